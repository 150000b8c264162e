// ALiBi, attention with linear biases (Press, Smith & Lewis 2022, "Train Short, Test Long").
//
// No position vectors at all: each head h adds −m_h·(i − j) to the score of query i and key j,
// a penalty growing linearly with the distance, with a fixed slope m_h per head (steep heads
// look locally, shallow heads far). Nothing is learned, and because the bias is defined for
// any distance the model extrapolates to sequences longer than those it was trained on.
#pragma once
#include <vector>

#include "nn/module.h"

namespace atn {

class ALiBi : public Module {
 public:
  explicit ALiBi(int64_t n_heads);

  // The paper's slopes. For H a power of 2: the geometric sequence m_h = 2^(−8(h+1)/H),
  // h = 0..H−1 (H = 8: 1/2, 1/4, ..., 1/256). Otherwise, as in the authors' code: the slopes
  // of the closest power of 2 below, P, followed by the first H − P of every other slope of 2P
  // (H = 6: 1/4, 1/16, 1/64, 1/256, then 1/2, 1/8).
  static std::vector<real> slopes_for(int64_t n_heads);
  const std::vector<real>& slopes() const { return slopes_; }

  // The bias [H, Lq, Lk] to add to the scaled scores q·kᵀ/√d [B, H, Lq, Lk] before the softmax:
  //   bias[h, i, j] = −m_h·|p_i − j|,   p_i = q_offset + i the position of query i.
  // For j ≤ p_i this is the paper's −m_h·(p_i − j). For j > p_i (future keys, which causal
  // attention masks anyway) we use the same distance, which makes the bias also usable
  // without a causal mask (a symmetric, bidirectional ALiBi). A constant: nothing to learn.
  Tensor bias(int64_t Lq, int64_t Lk, int64_t q_offset = 0) const;

  std::string type_name() const override;

  int64_t n_heads;

 private:
  std::vector<real> slopes_;
};

}  // namespace atn
