// A generator of Spanish prose: short chapters about the people of a Mexican town, written by
// a small grammar over data/spanish_lexicon.h. It is the built-in corpus (spanish_corpus() in
// data/corpus.h), generated when asked for instead of shipped as a file: the same seed gives
// the same text, byte for byte, on every platform (atn::Rng is written out, not std::).
//
// What a model can learn from it, at several scales:
//   characters and words   accents, ñ, ¿? ¡!, dialogue dashes, numbers written as words;
//   agreement               "la plaza estaba llena", "unas naranjas maduras", "se la regaló";
//   sentences               a few dozen templates, each with many slots;
//   chapters                a title, then paragraphs that keep the same two people, place and
//                           object, with dialogue paragraphs between narrative ones.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace atn {

// Whole chapters until the text holds at least min_bytes bytes (valid UTF-8, '\n' line ends).
std::string generate_spanish_text(uint64_t seed, size_t min_bytes);

// "dos", "veintitrés", "cuarenta y ocho": the Spanish word for 0 <= n <= 99 (masculine "uno").
std::string spanish_number_word(int n);

}  // namespace atn
