// Spanish number words (data/number_words.h): hand-written spellings, the round trip over the
// whole range, the lexicon, and rejection of what is not a number.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "data/number_words.h"
#include "tensor/error.h"

namespace atn {
namespace {

// Spellings written by hand from the RAE's rules, not produced by the code under test.
TEST(NumberWords, HandWrittenSpellings) {
  const std::vector<std::pair<int64_t, std::string>> cases = {
      {0, "cero"},
      {1, "uno"},
      {7, "siete"},
      {10, "diez"},
      {15, "quince"},
      {16, "dieciséis"},
      {20, "veinte"},
      {21, "veintiuno"},
      {22, "veintidós"},
      {26, "veintiséis"},
      {30, "treinta"},
      {31, "treinta y uno"},
      {99, "noventa y nueve"},
      {100, "cien"},
      {101, "ciento uno"},
      {110, "ciento diez"},
      {121, "ciento veintiuno"},
      {200, "doscientos"},
      {234, "doscientos treinta y cuatro"},
      {500, "quinientos"},
      {700, "setecientos"},
      {900, "novecientos"},
      {1000, "mil"},
      {1001, "mil uno"},
      {1100, "mil cien"},
      {2000, "dos mil"},
      {21000, "veintiún mil"},
      {21021, "veintiún mil veintiuno"},
      {31000, "treinta y un mil"},
      {100000, "cien mil"},
      {100001, "cien mil uno"},
      {101000, "ciento un mil"},
      {500500, "quinientos mil quinientos"},
      {777777, "setecientos setenta y siete mil setecientos setenta y siete"},
      {999999, "novecientos noventa y nueve mil novecientos noventa y nueve"},
  };
  for (const auto& [n, words] : cases) {
    EXPECT_EQ(number_to_spanish(n), words) << n;
    EXPECT_EQ(spanish_to_number(words), n) << words;
  }
}

// Every number of the range: spelled, read back to itself; the lexicon lists exactly the
// words that occur. Distinct numbers therefore have distinct spellings.
TEST(NumberWords, RoundTripOverTheWholeRange) {
  const auto& lexicon = spanish_number_lexicon();
  const std::set<std::string> allowed(lexicon.begin(), lexicon.end());
  EXPECT_EQ(allowed.size(), lexicon.size()) << "a word is listed twice";
  std::set<std::string> used;
  for (int64_t n = 0; n <= kMaxSpanishNumber; ++n) {
    const std::string words = number_to_spanish(n);
    ASSERT_EQ(spanish_to_number(words), n) << words;
    // The lexicon check needs only the numbers whose groups show every word: 0..1999 and the
    // multiples of 1000 cover every unit, tens, hundreds and "un"/"veintiún" form.
    if (n < 2000 || n % 1000 == 0) {
      std::istringstream in(words);
      for (std::string w; in >> w;) {
        ASSERT_TRUE(allowed.count(w)) << "\"" << w << "\" in \"" << words << "\" is not in the lexicon";
        used.insert(w);
      }
    }
  }
  EXPECT_EQ(used, allowed);
}

TEST(NumberWords, ReadsExtraWhitespace) { EXPECT_EQ(spanish_to_number("  doscientos\ttreinta  y cuatro \n"), 234); }

TEST(NumberWords, RejectsWhatIsNotANumber) {
  for (const char* bad : {"", "   ", "perro", "doscientos perro", "Doscientos", "dieciseis", "veintidos",
                          "un mil", "uno mil", "veintiuno mil", "ciento", "cien uno", "un", "veintiún",
                          "veinte y dos", "diez y seis", "treinta y", "y", "treinta y diez", "ciento y cuatro",
                          "mil mil", "dos mil mil", "cero cero", "cero uno", "uno cero", "cinco dos",
                          "cincocientos", "setecientos setecientos", "mil un", "doscientos mil un", "quince mil ciento cien"}) {
    EXPECT_THROW(spanish_to_number(bad), Error) << "\"" << bad << "\"";
  }
  try {
    spanish_to_number("un mil");
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("spanish_to_number"), std::string::npos) << msg;
    EXPECT_NE(msg.find("\"mil\""), std::string::npos) << "should suggest the standard spelling: " << msg;
  }
  try {
    spanish_to_number("doscientos perro");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("perro"), std::string::npos) << e.what();
  }
}

TEST(NumberWords, RejectsOutOfRange) {
  EXPECT_THROW(number_to_spanish(-1), Error);
  EXPECT_THROW(number_to_spanish(1000000), Error);
  EXPECT_NO_THROW(number_to_spanish(kMaxSpanishNumber));
}

}  // namespace
}  // namespace atn
