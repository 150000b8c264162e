// Padded batches and teacher-forcing pairs (data/batch.h).
#include <gtest/gtest.h>

#include <algorithm>

#include "data/batch.h"
#include "tensor/error.h"

namespace atn {
namespace {

using Ids = std::vector<int64_t>;

TEST(PadSequences, PadsOnTheRightAndMarksRealTokens) {
  const PaddedBatch b = pad_sequences({{5, 6, 7}, {8}, {9, 10}}, 0);
  ASSERT_EQ(b.ids.shape(), (Shape{3, 3}));
  ASSERT_EQ(b.mask.shape(), (Shape{3, 3}));
  EXPECT_EQ(b.ids.to_vector(), (std::vector<real>{5, 6, 7, 8, 0, 0, 9, 10, 0}));
  EXPECT_EQ(b.mask.to_vector(), (std::vector<real>{1, 1, 1, 1, 0, 0, 1, 1, 0}));
  for (int64_t r = 0; r < 3; ++r) EXPECT_EQ(unpad_row(b, r), (std::vector<Ids>{{5, 6, 7}, {8}, {9, 10}})[size_t(r)]);
}

TEST(PadSequences, PadIdMayBeAnyTokenAndMinLengthWidens) {
  // The mask, not the pad value, says what is padding: a real token equal to pad_id stays real.
  const PaddedBatch b = pad_sequences({{3, 1}, {2}}, 3, 4);
  ASSERT_EQ(b.ids.shape(), (Shape{2, 4}));
  EXPECT_EQ(b.ids.to_vector(), (std::vector<real>{3, 1, 3, 3, 2, 3, 3, 3}));
  EXPECT_EQ(b.mask.to_vector(), (std::vector<real>{1, 1, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(unpad_row(b, 0), (Ids{3, 1}));
  // A shorter min_length changes nothing; an empty row is all padding.
  const PaddedBatch c = pad_sequences({{4, 4}, {}}, 0, 1);
  EXPECT_EQ(c.mask.to_vector(), (std::vector<real>{1, 1, 0, 0}));
}

TEST(PadSequences, RejectsBadInput) {
  EXPECT_THROW(pad_sequences({}, 0), Error);
  EXPECT_THROW(pad_sequences({{}, {}}, 0), Error);
  EXPECT_THROW(pad_sequences({{1, -2}}, 0), Error);
  EXPECT_THROW(pad_sequences({{1, int64_t(1) << 24}}, 0), Error);
  EXPECT_NO_THROW(pad_sequences({{(int64_t(1) << 24) - 1}}, 0));
  EXPECT_THROW(pad_sequences({{1}}, -1), Error);
  try {
    pad_sequences({{1, -2}}, 0);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pad_sequences"), std::string::npos) << e.what();
  }
  const PaddedBatch b = pad_sequences({{1}}, 0);
  EXPECT_THROW(unpad_row(b, 1), Error);
  EXPECT_THROW(unpad_row(b, -1), Error);
}

TEST(DecoderShift, InputIsTargetShiftedRight) {
  // With an end symbol: input [bos] + tgt, target tgt + [eos].
  EXPECT_EQ(decoder_input({7, 8, 9}, 1, 2), (Ids{1, 7, 8, 9}));
  EXPECT_EQ(decoder_target({7, 8, 9}, 2), (Ids{7, 8, 9, 2}));
  // An empty target still teaches the model to stop.
  EXPECT_EQ(decoder_input({}, 1, 2), (Ids{1}));
  EXPECT_EQ(decoder_target({}, 2), (Ids{2}));
  // Without one (eos < 0): the Annotated Transformer's tgt[:-1] / tgt[1:] of [1, 7, 8, 9].
  EXPECT_EQ(decoder_input({7, 8, 9}, 1, -1), (Ids{1, 7, 8}));
  EXPECT_EQ(decoder_target({7, 8, 9}, -1), (Ids{7, 8, 9}));
  EXPECT_THROW(decoder_target({}, -1), Error);
  EXPECT_THROW(decoder_input({7}, -1, 2), Error);
}

TEST(DecoderShift, Seq2SeqBatchAlignsInputAndTarget) {
  const std::vector<SeqPair> pairs = {{{5, 6, 7}, {7, 6, 5}}, {{4}, {4}}};
  const Seq2SeqBatch b = make_seq2seq_batch(pairs, 0, 1, 2);
  EXPECT_EQ(b.src.ids.to_vector(), (std::vector<real>{5, 6, 7, 4, 0, 0}));
  EXPECT_EQ(b.tgt_in.ids.to_vector(), (std::vector<real>{1, 7, 6, 5, 1, 4, 0, 0}));
  EXPECT_EQ(b.tgt_out.ids.to_vector(), (std::vector<real>{7, 6, 5, 2, 4, 2, 0, 0}));
  EXPECT_EQ(b.tgt_in.mask.to_vector(), b.tgt_out.mask.to_vector());
  // Rows of 4 and 2 real tokens. (Written as a loop: GCC 12.2 at -O2 with AVX-512 miscompiles
  // the literal std::vector<float>{1, 1, 1, 1, 1, 1, 0, 0} here into eight ones.)
  for (int64_t t = 0; t < 4; ++t) {
    EXPECT_EQ(b.tgt_out.mask.at({0, t}), 1) << t;
    EXPECT_EQ(b.tgt_out.mask.at({1, t}), t < 2 ? 1 : 0) << t;
  }
  // Each decoder input position t holds the target of position t-1.
  for (int64_t r = 0; r < 2; ++r) {
    const Ids in = unpad_row(b.tgt_in, r), out = unpad_row(b.tgt_out, r);
    ASSERT_EQ(in.size(), out.size());
    for (size_t t = 1; t < in.size(); ++t) EXPECT_EQ(in[t], out[t - 1]);
  }
  EXPECT_THROW(make_seq2seq_batch({}, 0, 1, 2), Error);
  EXPECT_THROW(make_seq2seq_batch({{{}, {3}}}, 0, 1, 2), Error);
}

std::vector<SeqPair> numbered_pairs(int64_t n) {
  std::vector<SeqPair> pairs;
  for (int64_t i = 0; i < n; ++i) pairs.push_back({{i}, {i + 100}});
  return pairs;
}

TEST(SamplePairs, DrawsFromThePoolDeterministically) {
  const auto pool = numbered_pairs(7);
  Rng a(5), b(5), c(6);
  const auto x = sample_pairs(pool, 50, a), y = sample_pairs(pool, 50, b), z = sample_pairs(pool, 50, c);
  ASSERT_EQ(x.size(), 50u);
  bool differs = false;
  std::vector<int> seen(7, 0);
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].src, y[i].src);
    differs |= x[i].src != z[i].src;
    ASSERT_GE(x[i].src[0], 0);
    ASSERT_LT(x[i].src[0], 7);
    EXPECT_EQ(x[i].tgt[0], x[i].src[0] + 100);  // pairs stay whole
    seen[size_t(x[i].src[0])]++;
  }
  EXPECT_TRUE(differs);
  for (int s : seen) EXPECT_GT(s, 0);  // 50 draws from 7: each missed with probability < 1e-3
  EXPECT_THROW(sample_pairs({}, 3, a), Error);
  EXPECT_THROW(sample_pairs(pool, 0, a), Error);
}

TEST(SamplePairs, EpochBatchesUseEveryPairOnce) {
  const auto pool = numbered_pairs(23);
  Rng rng(1);
  const auto batches = epoch_batches(pool, 5, rng);
  ASSERT_EQ(batches.size(), 5u);
  EXPECT_EQ(batches.back().size(), 3u);
  std::vector<int64_t> all;
  for (const auto& b : batches)
    for (const auto& p : b) all.push_back(p.src[0]);
  EXPECT_FALSE(std::is_sorted(all.begin(), all.end()));
  std::sort(all.begin(), all.end());
  for (int64_t i = 0; i < 23; ++i) EXPECT_EQ(all[size_t(i)], i);
  EXPECT_THROW(epoch_batches(pool, 0, rng), Error);
}

}  // namespace
}  // namespace atn
