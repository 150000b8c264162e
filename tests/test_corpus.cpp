// Built-in text: the nine sentences, the generated Spanish corpus (size, determinism,
// characters, agreement, diversity, learnable structure) and read_text_file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <unistd.h>

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "data/corpus.h"
#include "data/spanish_lexicon.h"
#include "data/spanish_text.h"
#include "data/utf8.h"
#include "data/word_tokenizer.h"
#include "tensor/error.h"

namespace atn {
namespace {

// Sentences: the pieces between '.', '?', '!' and line ends, trimmed, non-empty.
std::vector<std::string> sentences_of(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == '.' || c == '?' || c == '!' || c == '\n') {
      const size_t b = cur.find_first_not_of(' ');
      if (b != std::string::npos) out.push_back(cur.substr(b));
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

// Cross-entropy in bits per byte of `test` under an order-k byte model fitted on `train`
// (k - 1 bytes of context, interpolated with the shorter contexts).
double ngram_bits(const std::string& train, const std::string& test, int k) {
  auto context_key = [](const std::string& s, size_t end, int len) {
    uint64_t key = uint64_t(len) << 56;
    for (int j = 1; j <= len; ++j) key ^= uint64_t(static_cast<unsigned char>(s[end - size_t(j)])) << (8 * (j - 1));
    return key;
  };
  std::vector<std::unordered_map<uint64_t, double>> ctx(static_cast<size_t>(k)), pair(ctx.size());
  for (size_t i = size_t(k); i < train.size(); ++i)
    for (int len = 0; len < k; ++len) {
      const uint64_t c = context_key(train, i, len);
      ctx[size_t(len)][c] += 1;
      pair[size_t(len)][c * 257 + static_cast<unsigned char>(train[i])] += 1;
    }
  double bits = 0;
  for (size_t i = size_t(k); i < test.size(); ++i) {
    // Interpolated estimate: p_len = (n(c, x) + beta p_{len-1}) / (n(c) + beta), from uniform up.
    double p = 1.0 / 256;
    for (int len = 0; len < k; ++len) {
      const uint64_t c = context_key(test, i, len);
      const auto n_c = ctx[size_t(len)].find(c);
      if (n_c == ctx[size_t(len)].end()) break;  // a longer context was never seen either
      const auto n_cx = pair[size_t(len)].find(c * 257 + static_cast<unsigned char>(test[i]));
      const double hits = n_cx == pair[size_t(len)].end() ? 0 : n_cx->second;
      const double beta = 2;
      p = (hits + beta * p) / (n_c->second + beta);
    }
    bits -= std::log2(p);
  }
  return bits / double(test.size() - size_t(k));
}

TEST(Corpus, NineSentencesUseTheFifteenWordVocabulary) {
  const auto sentences = nine_sentences();
  ASSERT_EQ(sentences.size(), 9u);
  EXPECT_EQ(sentences[0], "el perro come un hueso");
  std::set<std::string> words;
  for (const std::string& s : sentences)
    for (const std::string& w : WordTokenizer("x").split(s)) words.insert(w);
  const auto vocab = course_vocabulary();
  EXPECT_EQ(vocab.size(), 15u);
  EXPECT_EQ(words.size() + 2, vocab.size());  // the 13 words, plus [bos] and [eos]
  for (const std::string& w : words) EXPECT_NE(std::find(vocab.begin(), vocab.end(), w), vocab.end()) << w;
}

TEST(Corpus, SpanishCorpusIsLargeDeterministicAndValidUtf8) {
  const std::string text = spanish_corpus();
  EXPECT_GE(text.size(), 200000u);
  EXPECT_NO_THROW(check_utf8(text, "corpus"));
  EXPECT_EQ(generate_spanish_text(99, 50000), generate_spanish_text(99, 50000));
  EXPECT_NE(generate_spanish_text(99, 50000), generate_spanish_text(100, 50000));
  EXPECT_EQ(text.find('\r'), std::string::npos);
  for (const char* ch : {"ñ", "á", "é", "í", "ó", "ú", "¿", "¡", "?", "!", "—", ","})
    EXPECT_NE(text.find(ch), std::string::npos) << ch;
}

TEST(Corpus, SentencesAreVariedNotARepeatedSet) {
  const auto sentences = sentences_of(spanish_corpus());
  const std::set<std::string> distinct(sentences.begin(), sentences.end());
  const double ratio = double(distinct.size()) / double(sentences.size());
  EXPECT_GT(sentences.size(), 3000u);
  EXPECT_GT(ratio, 0.6) << distinct.size() << " distinct of " << sentences.size();
  const WordTokenizer words(spanish_corpus(), {.lowercase = true, .split_punctuation = true});
  EXPECT_GT(words.vocab_size(), 400);
}

TEST(Corpus, AdjectivesAgreeWithThePlaces) {
  // "<place> estaba <adjective>": every place adjective ends in -o/-a, which must match.
  const std::string text = spanish_corpus();
  int checked = 0;
  for (const lexicon::Place& p : lexicon::places()) {
    const std::string phrase = std::string(p.phrase).substr(1) + " estaba ";  // "a plaza estaba " matches "La"/"la"
    for (size_t at = text.find(phrase); at != std::string::npos; at = text.find(phrase, at + 1)) {
      const size_t start = at + phrase.size();
      const std::string word = text.substr(start, text.find_first_of(" .,", start) - start);
      if (word == "muy") continue;
      ++checked;
      EXPECT_EQ(word.back(), p.gender == lexicon::Gender::Fem ? 'a' : 'o') << p.phrase << " estaba " << word;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(Corpus, HasStructureAHeldOutPartCanBePredictedFrom) {
  // Byte n-gram models fitted on the first 90 % predict the last 10 % better and better as
  // their context grows: structure at the scale of characters, syllables and words, shared by
  // both parts. The longest context still leaves bits to learn (not a memorized repeat).
  const std::string text = spanish_corpus();
  const size_t cut = text.size() * 9 / 10;
  const std::string train = text.substr(0, cut), val = text.substr(cut);
  double previous = 8;
  for (int k : {1, 2, 3, 4, 6}) {
    const double bits = ngram_bits(train, val, k);
    EXPECT_LT(bits, previous - 0.1) << "order " << k;
    previous = bits;
  }
  EXPECT_GT(previous, 0.5);  // measured: 4.6, 3.1, 2.2, 1.4, 0.8 bits per byte for k = 1, 2, 3, 4, 6
}

TEST(Corpus, SpanishNumberWords) {
  EXPECT_EQ(spanish_number_word(0), "cero");
  EXPECT_EQ(spanish_number_word(16), "dieciséis");
  EXPECT_EQ(spanish_number_word(23), "veintitrés");
  EXPECT_EQ(spanish_number_word(48), "cuarenta y ocho");
  EXPECT_EQ(spanish_number_word(90), "noventa");
  EXPECT_THROW(spanish_number_word(100), Error);
  EXPECT_THROW(spanish_number_word(-1), Error);
}

TEST(Corpus, ReadTextFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("atn_test_corpus_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return (dir / name).string();
  };
  EXPECT_EQ(read_text_file(write("ok.txt", "¿Qué tal?\nBien, ¡gracias!\n")), "¿Qué tal?\nBien, ¡gracias!\n");
  EXPECT_EQ(read_text_file(write("bom.txt", "\xEF\xBB\xBFhola")), "hola");
  EXPECT_EQ(read_text_file(write("empty.txt", "")), "");
  const std::string bad = write("bad.txt", "ñandú\xFFx");
  try {
    read_text_file(bad);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(bad), std::string::npos) << msg;
    EXPECT_NE(msg.find("invalid UTF-8 at byte 7 (0xFF)"), std::string::npos) << msg;
  }
  const std::string missing = (dir / "no_such_file.txt").string();
  EXPECT_THROW(read_text_file(missing), Error);
  EXPECT_THROW(read_text_file(dir.string()), Error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace atn
