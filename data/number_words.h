// Spanish cardinal numbers from 0 to 999 999, written out in words and read back.
//
// Spelling follows the Real Academia Española (Nueva gramática, §21; Diccionario panhispánico
// de dudas, "cardinales"):
//   - 16–19 and 21–29 are one word: "dieciséis", "veintidós", "veintitrés", "veintiséis"
//     (the accents are part of the word);
//   - from 31 on, tens and units are joined by "y": "treinta y cuatro"; never after hundreds
//     ("ciento cuatro", not "ciento y cuatro");
//   - 100 alone is "cien", 101–199 start with "ciento"; 500, 700 and 900 are "quinientos",
//     "setecientos", "novecientos";
//   - 1 is "uno" when it ends the number, "un" (or "veintiún") before "mil": "treinta y un mil",
//     "veintiún mil", "ciento un mil"; 1 000 is "mil", never "un mil";
//   - 100 000 is "cien mil", 101 000 "ciento un mil".
// Only the masculine forms are produced ("doscientas" and "veintiuna" count feminine nouns).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

inline constexpr int64_t kMaxSpanishNumber = 999999;

// "doscientos treinta y cuatro" for 234; atn::Error outside 0..999 999.
std::string number_to_spanish(int64_t n);

// The inverse: 234 for "doscientos treinta y cuatro". Words are separated by whitespace and must
// be the standard spelling above (lowercase, with accents); anything else — an unknown word,
// words in an impossible order, or a non-standard form such as "un mil", "ciento" alone or
// "veinte y dos" — throws atn::Error naming the problem.
int64_t spanish_to_number(std::string_view words);

// Every word that number_to_spanish can produce, each once, in a fixed order (units, teens,
// twenties, tens, "y", hundreds, "mil"): the word vocabulary of the number-words task.
const std::vector<std::string>& spanish_number_lexicon();

}  // namespace atn
