#include "data/tokenizer.h"

#include <charconv>

#include "data/bpe_tokenizer.h"
#include "data/char_tokenizer.h"
#include "data/word_tokenizer.h"
#include "tensor/error.h"

namespace atn {

const Json& json_member(const Json& object, std::string_view key, Json::Kind kind, std::string_view who) {
  if (object.kind != Json::Kind::Object) fail(who, ": expected a JSON object, got ", kind_name(object.kind));
  const Json* member = object.find(key);
  if (member == nullptr) fail(who, ": missing field \"", key, "\"");
  if (member->kind != kind)
    fail(who, ": field \"", key, "\" must be a ", kind_name(kind), ", got ", kind_name(member->kind));
  return *member;
}

int64_t json_integer(const Json& number, std::string_view who) {
  if (number.kind != Json::Kind::Number) fail(who, ": expected an integer, got ", kind_name(number.kind));
  const std::string& s = number.text;
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) fail(who, ": expected an integer, got ", s);
  return value;
}

std::unique_ptr<Tokenizer> tokenizer_from_json(const std::string& json) {
  Json root;
  try {
    root = parse_json(json);
  } catch (const Error& e) {
    fail("tokenizer_from_json: ", e.what());
  }
  const std::string kind = json_member(root, "kind", Json::Kind::String, "tokenizer_from_json").text;
  if (kind == "char") return std::make_unique<CharTokenizer>(CharTokenizer::from_json(root));
  if (kind == "word") return std::make_unique<WordTokenizer>(WordTokenizer::from_json(root));
  if (kind == "bpe") return std::make_unique<BpeTokenizer>(BpeTokenizer::from_json(root));
  fail("tokenizer_from_json: unknown kind \"", kind, "\" (expected char, word or bpe)");
}

std::unique_ptr<Tokenizer> make_tokenizer(const std::string& kind, std::string_view training_text,
                                          int64_t bpe_merges) {
  if (kind == "char") return std::make_unique<CharTokenizer>(training_text);
  if (kind == "word") return std::make_unique<WordTokenizer>(training_text);
  if (kind == "bpe") return std::make_unique<BpeTokenizer>(BpeTokenizer::train(training_text, bpe_merges));
  fail("make_tokenizer: unknown kind \"", kind, "\" (expected char, word or bpe)");
}

}  // namespace atn
