// CharTokenizer: one token per Unicode code point, as in nanoGPT's shakespeare_char (which
// uses Python's str, i.e. code points). "ñ", "á" and "¿" are one token each, not two bytes.
//
//   CharTokenizer tok("¿qué pasó?");   // vocabulary: the sorted distinct characters
//   tok.encode("pasó")                 // {ids}; decode(encode(s)) == s for text over the vocabulary
#pragma once
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/tokenizer.h"

namespace atn {

class CharTokenizer : public Tokenizer {
 public:
  // Vocabulary = the distinct code points of `training_text`, sorted by code point (so the
  // same text always gives the same ids). Error when the text is empty or not valid UTF-8.
  explicit CharTokenizer(std::string_view training_text);

  // A fixed alphabet in the given order: id i is the i-th character of `alphabet`.
  // Error when a character repeats.
  static CharTokenizer from_alphabet(std::string_view alphabet);
  static CharTokenizer from_json(const Json& json);

  // Error naming the byte offset when `text` is not valid UTF-8, and naming the character and
  // its offset when a character is not in the vocabulary.
  std::vector<int64_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;  // Error: id out of range
  int64_t vocab_size() const override { return int64_t(chars_.size()); }
  std::string kind() const override { return "char"; }
  std::string to_json() const override;  // {"kind":"char","chars":"<the alphabet in id order>"}

  char32_t code_point(int64_t id) const;    // Error: id out of range
  std::string token(int64_t id) const;      // the character as UTF-8
  bool contains(char32_t cp) const { return index_.count(cp) != 0; }
  int64_t id_of(char32_t cp) const;         // Error: not in the vocabulary
  const std::vector<char32_t>& chars() const { return chars_; }

 private:
  CharTokenizer() = default;
  void build_index(std::string_view who);

  std::vector<char32_t> chars_;                      // id -> code point
  std::unordered_map<char32_t, int64_t> index_;      // code point -> id
};

}  // namespace atn
