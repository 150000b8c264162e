#include "data/char_tokenizer.h"

#include <algorithm>

#include "data/utf8.h"
#include "tensor/error.h"

namespace atn {

CharTokenizer::CharTokenizer(std::string_view training_text) {
  for (const CodePoint& c : utf8_decode(training_text, "CharTokenizer")) chars_.push_back(c.value);
  if (chars_.empty()) fail("CharTokenizer: the training text is empty");
  std::sort(chars_.begin(), chars_.end());
  chars_.erase(std::unique(chars_.begin(), chars_.end()), chars_.end());
  build_index("CharTokenizer");
}

CharTokenizer CharTokenizer::from_alphabet(std::string_view alphabet) {
  CharTokenizer tok;
  for (const CodePoint& c : utf8_decode(alphabet, "CharTokenizer::from_alphabet")) tok.chars_.push_back(c.value);
  if (tok.chars_.empty()) fail("CharTokenizer::from_alphabet: the alphabet is empty");
  tok.build_index("CharTokenizer::from_alphabet");
  return tok;
}

CharTokenizer CharTokenizer::from_json(const Json& json) {
  const char* who = "tokenizer_from_json (char)";
  const Json& chars = json_member(json, "chars", Json::Kind::String, who);
  try {
    return from_alphabet(chars.text);
  } catch (const Error& e) {
    fail(who, ": ", e.what());
  }
}

void CharTokenizer::build_index(std::string_view who) {
  for (size_t i = 0; i < chars_.size(); ++i)
    if (!index_.emplace(chars_[i], int64_t(i)).second)
      fail(who, ": character ", describe_code_point(chars_[i]), " appears twice");
}

std::vector<int64_t> CharTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  ids.reserve(text.size());
  for (const CodePoint& c : utf8_decode(text, "CharTokenizer::encode")) {
    const auto it = index_.find(c.value);
    if (it == index_.end())
      fail("CharTokenizer::encode: character ", describe_code_point(c.value), " at byte ", c.offset,
           " is not in the vocabulary (", chars_.size(), " characters)");
    ids.push_back(it->second);
  }
  return ids;
}

std::string CharTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  out.reserve(ids.size());
  for (int64_t id : ids) utf8_append(out, code_point(id));
  return out;
}

char32_t CharTokenizer::code_point(int64_t id) const {
  if (id < 0 || id >= vocab_size())
    fail("CharTokenizer: id ", id, " is out of range [0, ", vocab_size(), ")");
  return chars_[size_t(id)];
}

std::string CharTokenizer::token(int64_t id) const { return utf8_encode(code_point(id)); }

int64_t CharTokenizer::id_of(char32_t cp) const {
  const auto it = index_.find(cp);
  if (it == index_.end()) fail("CharTokenizer: character ", describe_code_point(cp), " is not in the vocabulary");
  return it->second;
}

std::string CharTokenizer::to_json() const {
  std::string alphabet;
  for (char32_t cp : chars_) utf8_append(alphabet, cp);
  return "{\"kind\":\"char\",\"chars\":" + json_quote(alphabet) + "}";
}

}  // namespace atn
