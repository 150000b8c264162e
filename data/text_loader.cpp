#include "data/text_loader.h"

#include "tensor/error.h"

namespace atn {

TextSplit split_train_val(const std::vector<int64_t>& ids, double val_fraction) {
  if (!(val_fraction >= 0 && val_fraction < 1))
    fail("split_train_val: val_fraction must be in [0, 1), got ", val_fraction);
  const auto n = int64_t(ids.size());
  // nanoGPT's prepare.py: train_data = data[:int(n * 0.9)].
  const auto n_train = int64_t(double(n) * (1 - val_fraction));
  TextSplit s;
  s.train.assign(ids.begin(), ids.begin() + n_train);
  s.val.assign(ids.begin() + n_train, ids.end());
  return s;
}

TokenBatch sample_windows(const std::vector<int64_t>& ids, int64_t batch, int64_t block, Rng& rng) {
  if (batch < 1 || block < 1) fail("sample_windows: batch and block must be >= 1, got batch ", batch, ", block ", block);
  const auto n = int64_t(ids.size());
  if (n < block + 1)
    fail("sample_windows: the text has ", n, " tokens, fewer than block + 1 = ", block + 1,
         " (use a longer text or a smaller block)");
  TokenBatch out{Tensor({batch, block}), Tensor({batch, block})};
  real* x = out.x.data();
  real* y = out.y.data();
  constexpr int64_t kMaxExact = int64_t(1) << 24;  // floats hold every integer below 2^24
  const auto starts = uint64_t(n - block);         // i in [0, n - block - 1]
  for (int64_t b = 0; b < batch; ++b) {
    const auto i = int64_t(rng.below(starts));
    for (int64_t t = 0; t <= block; ++t) {
      const int64_t id = ids[size_t(i + t)];
      if (id < 0 || id >= kMaxExact) fail("sample_windows: id ", id, " at position ", i + t, " is not in [0, 2^24)");
      if (t < block) x[b * block + t] = real(id);
      if (t > 0) y[b * block + t - 1] = real(id);
    }
  }
  return out;
}

}  // namespace atn
