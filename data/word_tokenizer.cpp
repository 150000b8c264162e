#include "data/word_tokenizer.h"

#include <algorithm>

#include "data/utf8.h"
#include "tensor/error.h"

namespace atn {

namespace {

bool is_space(char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Punctuation that split_punctuation cuts off. Opening marks take no space after them when
// decoding ("¿qué"), closing marks no space before them ("casa.").
bool is_opening(char32_t c) { return c == U'¿' || c == U'¡' || c == '(' || c == U'«'; }
bool is_closing(char32_t c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '?' || c == '!' || c == ')' || c == U'»' ||
         c == U'…';
}

}  // namespace

const std::vector<std::string>& WordTokenizer::special_tokens() {
  static const std::vector<std::string> specials = {"[pad]", "[bos]", "[eos]", "[unk]", "[mask]"};
  return specials;
}

WordTokenizer::WordTokenizer(std::string_view training_text, WordOptions options) : options_(options) {
  if (options.max_words < 0) fail("WordTokenizer: max_words must be >= 0, got ", options.max_words);
  std::unordered_map<std::string, int64_t> counts;
  for (std::string& w : split(training_text)) ++counts[std::move(w)];
  for (const std::string& s : special_tokens()) counts.erase(s);
  std::vector<std::pair<std::string, int64_t>> by_count(counts.begin(), counts.end());
  std::sort(by_count.begin(), by_count.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (options.max_words > 0 && int64_t(by_count.size()) > options.max_words) by_count.resize(size_t(options.max_words));
  words_ = special_tokens();
  for (auto& [w, _] : by_count) words_.push_back(std::move(w));
  build_index("WordTokenizer");
}

WordTokenizer WordTokenizer::from_words(std::vector<std::string> words, WordOptions options) {
  const char* who = "WordTokenizer::from_words";
  if (words.empty()) fail(who, ": the word list is empty");
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i].empty()) fail(who, ": word ", i, " is empty");
    check_utf8(words[i], who);
    for (char c : words[i])
      if (is_space(char32_t(static_cast<unsigned char>(c)))) fail(who, ": word ", i, " (\"", words[i], "\") holds whitespace");
  }
  WordTokenizer tok;
  tok.options_ = options;
  tok.words_ = std::move(words);
  tok.build_index(who);
  return tok;
}

WordTokenizer WordTokenizer::from_json(const Json& json) {
  const char* who = "tokenizer_from_json (word)";
  WordOptions options;
  options.lowercase = json_member(json, "lowercase", Json::Kind::Bool, who).boolean;
  options.split_punctuation = json_member(json, "split_punctuation", Json::Kind::Bool, who).boolean;
  std::vector<std::string> words;
  for (const Json& w : json_member(json, "words", Json::Kind::Array, who).items) {
    if (w.kind != Json::Kind::String) fail(who, ": \"words\" must hold strings, got a ", kind_name(w.kind));
    words.push_back(w.text);
  }
  try {
    return from_words(std::move(words), options);
  } catch (const Error& e) {
    fail(who, ": ", e.what());
  }
}

void WordTokenizer::build_index(std::string_view who) {
  for (size_t i = 0; i < words_.size(); ++i)
    if (!index_.emplace(words_[i], int64_t(i)).second) fail(who, ": word \"", words_[i], "\" appears twice");
}

std::vector<std::string> WordTokenizer::split(std::string_view text) const {
  const std::string lowered = options_.lowercase ? utf8_lower(text) : std::string();
  const std::string_view source = options_.lowercase ? std::string_view(lowered) : text;
  std::vector<std::string> out;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) out.push_back(std::move(current));
    current.clear();
  };
  for (const CodePoint& c : utf8_decode(source, "WordTokenizer")) {
    if (is_space(c.value)) {
      flush();
    } else if (options_.split_punctuation && (is_opening(c.value) || is_closing(c.value))) {
      flush();
      out.push_back(utf8_encode(c.value));
    } else {
      utf8_append(current, c.value);
    }
  }
  flush();
  return out;
}

std::vector<int64_t> WordTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  const int64_t unk = unk_id();
  for (const std::string& w : split(text)) {
    const auto it = index_.find(w);
    if (it != index_.end()) ids.push_back(it->second);
    else if (unk >= 0) ids.push_back(unk);
    else fail("WordTokenizer::encode: word \"", w, "\" is not in the vocabulary (", words_.size(), " words, no [unk])");
  }
  return ids;
}

std::string WordTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  bool space_next = false;  // whether the next word is preceded by a space
  for (int64_t id : ids) {
    const std::string& w = word(id);
    // With split punctuation, glue "¿" to the word after it and "." to the word before it.
    const char32_t single = utf8_length(w) == 1 ? utf8_decode(w, "WordTokenizer::decode")[0].value : 0;
    const bool glue_left = options_.split_punctuation && is_closing(single);
    if (space_next && !glue_left) out += ' ';
    out += w;
    space_next = !(options_.split_punctuation && is_opening(single));
  }
  return out;
}

int64_t WordTokenizer::id(std::string_view w) const {
  const int64_t i = find(std::string(w));
  if (i < 0) fail("WordTokenizer: word \"", w, "\" is not in the vocabulary");
  return i;
}

const std::string& WordTokenizer::word(int64_t id) const {
  if (id < 0 || id >= vocab_size()) fail("WordTokenizer: id ", id, " is out of range [0, ", vocab_size(), ")");
  return words_[size_t(id)];
}

int64_t WordTokenizer::find(const std::string& w) const {
  const auto it = index_.find(w);
  return it == index_.end() ? -1 : it->second;
}

std::string WordTokenizer::to_json() const {
  std::string s = "{\"kind\":\"word\",\"lowercase\":";
  s += options_.lowercase ? "true" : "false";
  s += ",\"split_punctuation\":";
  s += options_.split_punctuation ? "true" : "false";
  s += ",\"words\":[";
  for (size_t i = 0; i < words_.size(); ++i) s += (i ? "," : "") + json_quote(words_[i]);
  return s + "]}";
}

}  // namespace atn
