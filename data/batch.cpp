#include "data/batch.h"

#include <algorithm>

namespace atn {
namespace {

// Floats hold every integer up to 2^24 exactly; larger ids would silently change.
constexpr int64_t kMaxExactId = int64_t(1) << 24;

void check_id(int64_t id, const char* op, const char* what) {
  if (id < 0 || id >= kMaxExactId) fail(op, ": ", what, " ", id, " is outside 0..", kMaxExactId - 1);
}

}  // namespace

PaddedBatch pad_sequences(const std::vector<std::vector<int64_t>>& seqs, int64_t pad_id, int64_t min_length) {
  if (seqs.empty()) fail("pad_sequences: no sequences");
  check_id(pad_id, "pad_sequences", "pad id");
  int64_t longest = std::max<int64_t>(min_length, 0);
  for (const auto& s : seqs) longest = std::max(longest, int64_t(s.size()));
  if (longest == 0) fail("pad_sequences: every sequence is empty");
  const int64_t batch = int64_t(seqs.size());
  PaddedBatch out{Tensor::full({batch, longest}, real(pad_id)), Tensor::zeros({batch, longest})};
  for (int64_t b = 0; b < batch; ++b) {
    const auto& s = seqs[size_t(b)];
    for (size_t t = 0; t < s.size(); ++t) {
      check_id(s[t], "pad_sequences", "token id");
      out.ids[b * longest + int64_t(t)] = real(s[t]);
      out.mask[b * longest + int64_t(t)] = 1;
    }
  }
  return out;
}

std::vector<int64_t> decoder_target(const std::vector<int64_t>& tgt, int64_t eos) {
  std::vector<int64_t> out = tgt;
  if (eos >= 0) out.push_back(eos);
  if (out.empty()) fail("decoder_target: an empty target without an end symbol has nothing to predict");
  return out;
}

std::vector<int64_t> decoder_input(const std::vector<int64_t>& tgt, int64_t bos, int64_t eos) {
  if (bos < 0) fail("decoder_input: the start symbol must be an id >= 0, got ", bos);
  std::vector<int64_t> target = decoder_target(tgt, eos);
  std::vector<int64_t> out = {bos};
  out.insert(out.end(), target.begin(), target.end() - 1);
  return out;
}

Seq2SeqBatch make_seq2seq_batch(const std::vector<SeqPair>& pairs, int64_t pad, int64_t bos, int64_t eos) {
  if (pairs.empty()) fail("make_seq2seq_batch: no pairs");
  std::vector<std::vector<int64_t>> src, tgt_in, tgt_out;
  for (const auto& p : pairs) {
    if (p.src.empty()) fail("make_seq2seq_batch: a source sequence is empty");
    src.push_back(p.src);
    tgt_in.push_back(decoder_input(p.tgt, bos, eos));
    tgt_out.push_back(decoder_target(p.tgt, eos));
  }
  return {pad_sequences(src, pad), pad_sequences(tgt_in, pad), pad_sequences(tgt_out, pad)};
}

std::vector<SeqPair> sample_pairs(const std::vector<SeqPair>& pairs, int64_t batch, Rng& rng) {
  if (pairs.empty()) fail("sample_pairs: no pairs to sample from");
  if (batch <= 0) fail("sample_pairs: batch must be positive, got ", batch);
  std::vector<SeqPair> out;
  out.reserve(size_t(batch));
  for (int64_t i = 0; i < batch; ++i) out.push_back(pairs[size_t(rng.below(pairs.size()))]);
  return out;
}

std::vector<std::vector<SeqPair>> epoch_batches(const std::vector<SeqPair>& pairs, int64_t batch, Rng& rng) {
  if (pairs.empty()) fail("epoch_batches: no pairs");
  if (batch <= 0) fail("epoch_batches: batch must be positive, got ", batch);
  const std::vector<int64_t> order = rng.permutation(int64_t(pairs.size()));
  std::vector<std::vector<SeqPair>> out;
  for (size_t start = 0; start < order.size(); start += size_t(batch)) {
    std::vector<SeqPair> b;
    for (size_t i = start; i < std::min(order.size(), start + size_t(batch)); ++i) b.push_back(pairs[size_t(order[i])]);
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<int64_t> unpad_row(const PaddedBatch& batch, int64_t row) {
  if (batch.ids.dim() != 2 || batch.mask.shape() != batch.ids.shape())
    fail("unpad_row: expected ids and mask of the same shape [B, T], got ", batch.ids.shape(), " and ",
         batch.mask.shape());
  const int64_t rows = batch.ids.size(0), cols = batch.ids.size(1);
  if (row < 0 || row >= rows) fail("unpad_row: row ", row, " is outside 0..", rows - 1);
  std::vector<int64_t> out;
  for (int64_t t = 0; t < cols; ++t)
    if (batch.mask[row * cols + t] != 0) out.push_back(int64_t(batch.ids[row * cols + t]));
  return out;
}

}  // namespace atn
