// WordTokenizer: one id per word, words being what lies between whitespace (space, tab,
// newline, CR, VT, FF). The course's first models work on words ("el perro come un hueso").
//
// Trained on a text, the vocabulary is the five special tokens
//   [pad]=0 [bos]=1 [eos]=2 [unk]=3 [mask]=4
// then the words, most frequent first (ties in byte order), so ids do not depend on anything
// but the text. Built from a fixed word list (from_words), id i is the i-th word, and the
// specials are whichever of those names the list holds: the course's 15-word vocabulary has
// [bos]=0 and [eos]=1 and no [unk], so an unknown word there is an Error instead of [unk].
//
// A special token written in the text ("[bos] un gato come") encodes to its id. decode joins
// words with single spaces: encode/decode normalizes whitespace (and case, with lowercase).
#pragma once
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/tokenizer.h"

namespace atn {

struct WordOptions {
  bool lowercase = false;          // "El" and "el" are one word (ASCII and Latin-1 letters)
  bool split_punctuation = false;  // . , ; : ¿ ? ¡ ! ( ) « » … become words of their own
  int64_t max_words = 0;           // keep the most frequent words only (0 = all); the rest is [unk]
};

class WordTokenizer : public Tokenizer {
 public:
  explicit WordTokenizer(std::string_view training_text, WordOptions options = {});
  // Error when the list is empty, a word repeats, is empty, holds whitespace or is not UTF-8.
  static WordTokenizer from_words(std::vector<std::string> words, WordOptions options = {});
  static WordTokenizer from_json(const Json& json);

  // Error naming the byte offset for invalid UTF-8; an unknown word becomes [unk], or is an
  // Error naming the word when the vocabulary has no [unk].
  std::vector<int64_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;  // Error: id out of range
  int64_t vocab_size() const override { return int64_t(words_.size()); }
  std::string kind() const override { return "word"; }
  std::string to_json() const override;

  // The words encode() looks up, after lowercasing and splitting punctuation.
  std::vector<std::string> split(std::string_view text) const;

  int64_t id(std::string_view word) const;    // Error: not in the vocabulary
  bool contains(std::string_view word) const { return index_.count(std::string(word)) != 0; }
  const std::string& word(int64_t id) const;  // Error: id out of range
  const std::vector<std::string>& words() const { return words_; }
  const WordOptions& options() const { return options_; }

  // The id of each special token, or -1 when the vocabulary has none.
  int64_t pad_id() const { return find("[pad]"); }
  int64_t bos_id() const { return find("[bos]"); }
  int64_t eos_id() const { return find("[eos]"); }
  int64_t unk_id() const { return find("[unk]"); }
  int64_t mask_id() const { return find("[mask]"); }

  static const std::vector<std::string>& special_tokens();  // [pad] [bos] [eos] [unk] [mask]

 private:
  WordTokenizer() = default;
  void build_index(std::string_view who);
  int64_t find(const std::string& word) const;

  WordOptions options_;
  std::vector<std::string> words_;                   // id -> word
  std::unordered_map<std::string, int64_t> index_;   // word -> id
};

}  // namespace atn
