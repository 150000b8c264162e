// Feeding a language model: split token ids into training and validation parts, and draw
// random windows from them as nanoGPT's get_batch does:
//   i ~ uniform{0, ..., n - block - 1},  x = ids[i : i+block],  y = ids[i+1 : i+block+1]
// so y[t] is the token that follows x[0..t]. Ids are stored as whole numbers in float
// Tensors (the project's rule for indices).
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace atn {

struct TextSplit {
  std::vector<int64_t> train, val;
};

// The first (1 - val_fraction) of the ids for training, the last val_fraction for validation
// (as nanoGPT's prepare.py: the end of the text is held out, not a random sample, so the two
// parts do not share sentences that straddle a random cut). Error unless 0 <= val_fraction < 1.
TextSplit split_train_val(const std::vector<int64_t>& ids, double val_fraction = 0.1);

struct TokenBatch {
  Tensor x, y;  // [B, T] each; y is x shifted left by one position
};

// `batch` windows of `block` + 1 consecutive ids, starting points drawn uniformly with rng
// (the same seed gives the same batches). Error when batch or block < 1, when ids has fewer
// than block + 1 ids, or when an id is too large for a float to hold exactly (>= 2^24).
TokenBatch sample_windows(const std::vector<int64_t>& ids, int64_t batch, int64_t block, Rng& rng);

}  // namespace atn
