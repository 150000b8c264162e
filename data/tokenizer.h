// Tokenizer: text to integer ids and back. Three kinds share this interface:
//   "char" (data/char_tokenizer.h)  one id per UTF-8 code point ("ñ", "¿" are one token each);
//   "word" (data/word_tokenizer.h)  one id per whitespace-separated word, with special tokens;
//   "bpe"  (data/bpe_tokenizer.h)   byte-level byte-pair encoding, exact on any bytes.
// to_json() holds everything needed to rebuild a tokenizer, so a checkpoint can carry it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/json.h"

namespace atn {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::vector<int64_t> encode(std::string_view text) const = 0;
  virtual std::string decode(const std::vector<int64_t>& ids) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual std::string kind() const = 0;       // "char" | "word" | "bpe"
  virtual std::string to_json() const = 0;    // {"kind": ..., ...}: everything needed to rebuild it
};

// Rebuilds a tokenizer from to_json()'s text. Throws Error "tokenizer_from_json: ..." when the
// text is not JSON, the kind is unknown, or a field is missing, of the wrong type or inconsistent.
std::unique_ptr<Tokenizer> tokenizer_from_json(const std::string& json);

// A tokenizer of the given kind fitted to `training_text`: "char" (its distinct code points),
// "word" (its words, default WordOptions) or "bpe" (`bpe_merges` merges learned on its bytes).
std::unique_ptr<Tokenizer> make_tokenizer(const std::string& kind, std::string_view training_text,
                                          int64_t bpe_merges = 256);

// Helpers for the tokenizers' from_json: the member `key` of an object, checked to be of
// `kind` (Error "<who>: ..." otherwise), and a JSON number that must be a whole int64.
const Json& json_member(const Json& object, std::string_view key, Json::Kind kind, std::string_view who);
int64_t json_integer(const Json& number, std::string_view who);

}  // namespace atn
