// Byte-level BPE: the fast trainer and encoder against the naive ones, exact round trips on
// any bytes, compression on the corpus, save/load.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/bpe_tokenizer.h"
#include "data/corpus.h"
#include "tensor/error.h"
#include "tensor/rng.h"

namespace atn {
namespace {

using Ids = std::vector<int64_t>;

// Random bytes from an alphabet of `alphabet` values (small alphabets give long repeats and
// runs like "aaaa", where overlapping pairs test the left-to-right rule); includes NUL and
// bytes that are never valid UTF-8 (0xFF, 0xC0).
std::string random_bytes(Rng& rng, size_t n, int alphabet) {
  static const unsigned char symbols[] = {'a', 'b', 0x00, 0xFF, ' ', 0xC3, 0xB1, 'c', 0xC0, '\n', 'd', 0x80};
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    const auto k = rng.below(uint64_t(alphabet));
    s += static_cast<char>(k < sizeof symbols ? symbols[k] : static_cast<unsigned char>(k));
  }
  return s;
}

TEST(Bpe, HandWorkedExample) {
  // "aaabdaaabac": aa occurs 4 times -> 256; then ab and (256, a) occur twice each, and the tie
  // goes to the smaller pair (97, 98) -> 257; then (256, 257) twice -> 258: "XdXac".
  const BpeTokenizer bpe = BpeTokenizer::train("aaabdaaabac", 10);
  EXPECT_EQ(bpe.merges(), (std::vector<BpeMerge>{{97, 97}, {97, 98}, {256, 257}}));
  EXPECT_EQ(bpe.vocab_size(), 259);
  EXPECT_EQ(bpe.encode("aaabdaaabac"), (Ids{258, 'd', 258, 'a', 'c'}));
  EXPECT_EQ(bpe.token_bytes(258), "aaab");
  EXPECT_EQ(bpe.kind(), "bpe");
}

TEST(Bpe, FastTrainingMatchesNaiveTraining) {
  Rng rng(11);
  for (int trial = 0; trial < 60; ++trial) {
    const int alphabet = 2 + int(rng.below(trial % 2 ? 6 : 256));
    const std::string text = random_bytes(rng, 1 + size_t(rng.below(600)), alphabet);
    const int64_t n_merges = int64_t(rng.below(60));
    ASSERT_EQ(bpe_train(text, n_merges), bpe_train_naive(text, n_merges)) << "trial " << trial;
  }
  const std::string corpus = spanish_corpus().substr(0, 6000);
  EXPECT_EQ(bpe_train(corpus, 40), bpe_train_naive(corpus, 40));
}

TEST(Bpe, FastEncodingMatchesNaiveEncodingAndRoundTrips) {
  Rng rng(5);
  const BpeTokenizer bpe = BpeTokenizer::train(random_bytes(rng, 4000, 5) + spanish_corpus().substr(0, 4000), 120);
  for (int trial = 0; trial < 100; ++trial) {
    const std::string s = random_bytes(rng, size_t(rng.below(300)), trial % 3 ? 5 : 256);
    const Ids ids = bpe.encode(s);
    ASSERT_EQ(ids, bpe.encode_naive(s)) << "trial " << trial;
    ASSERT_EQ(bpe.decode(ids), s) << "trial " << trial;
  }
  EXPECT_TRUE(bpe.encode("").empty());
  const std::string nul_and_invalid("\0\xFF\xFE a\0", 6);
  EXPECT_EQ(bpe.decode(bpe.encode(nul_and_invalid)), nul_and_invalid);
}

TEST(Bpe, MergesCompressTheCorpus) {
  const std::string corpus = spanish_corpus();
  const std::vector<BpeMerge> all = bpe_train(corpus, 256);
  ASSERT_EQ(all.size(), 256u);
  // Training is greedy, so k merges are the first k of 256: the prefixes are the smaller tokenizers.
  const std::string part = corpus.substr(0, 30000);
  const std::vector<BpeMerge> some = bpe_train(part, 64);
  EXPECT_EQ(bpe_train(part, 16), std::vector<BpeMerge>(some.begin(), some.begin() + 16));
  size_t previous = corpus.size() + 1;
  for (size_t merges : {0, 16, 64, 256}) {
    const BpeTokenizer bpe(std::vector<BpeMerge>(all.begin(), all.begin() + ptrdiff_t(merges)));
    EXPECT_EQ(bpe.vocab_size(), int64_t(256 + merges));
    const size_t n = bpe.encode(corpus).size();
    EXPECT_LT(n, previous) << merges << " merges";  // more merges, fewer tokens
    previous = n;
  }
  EXPECT_LT(double(previous), 0.5 * double(corpus.size()));  // 256 merges: under half the bytes
}

TEST(Bpe, SavedAndLoadedTokenizerIsTheSame) {
  const std::string corpus = spanish_corpus().substr(0, 20000);
  const BpeTokenizer bpe = BpeTokenizer::train(corpus, 100);
  const auto back = tokenizer_from_json(bpe.to_json());
  const auto* loaded = dynamic_cast<const BpeTokenizer*>(back.get());
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(loaded->merges(), bpe.merges());
  EXPECT_EQ(loaded->encode(corpus), bpe.encode(corpus));
}

TEST(Bpe, StopsWhenNoPairRepeatsAndRejectsBadInput) {
  EXPECT_TRUE(bpe_train("abcdef", 10).empty());  // every pair occurs once
  EXPECT_TRUE(bpe_train("", 10).empty());
  EXPECT_THROW(bpe_train("abab", -1), Error);
  EXPECT_THROW(bpe_train_naive("abab", -1), Error);
  const BpeTokenizer bpe = BpeTokenizer::train("abab", 1);
  EXPECT_THROW(bpe.decode({257}), Error);
  EXPECT_THROW(bpe.decode({-1}), Error);
  EXPECT_THROW(BpeTokenizer({{0, 1}, {300, 2}}), Error);
}

}  // namespace
}  // namespace atn
