// Rotary position embedding, RoPE (Su et al. 2021, "RoFormer: Enhanced Transformer with Rotary
// Position Embedding").
//
// Each query and key vector is cut into pairs (x_{2i}, x_{2i+1}) (interleaved, as in the paper;
// some libraries pair x_i with x_{i+d/2} instead) and pair i at position m is rotated by the
// angle m·θ_i, θ_i = base^(−2i/d), base = 10000:
//   y_{2i}   = x_{2i} cos(mθ_i) − x_{2i+1} sin(mθ_i)
//   y_{2i+1} = x_{2i} sin(mθ_i) + x_{2i+1} cos(mθ_i)
// Rotations compose by adding angles and keep dot products, so (R_m q)·(R_n k) = q·(R_{n−m} k):
// the score depends on the positions only through the offset n − m. Applied to q and k (never
// to v), after the projections and before q·kᵀ. It has no parameters.
#pragma once
#include <vector>

#include "nn/module.h"

namespace atn {

class RotaryPositionalEmbedding : public Module {
 public:
  explicit RotaryPositionalEmbedding(int64_t d_head, double base = 10000);  // d_head even

  // x [..., T, d_head] with row t at position offset + t → the same shape, rotated. With a KV
  // cache the new token's query and key are rotated with offset = the number of cached tokens.
  // Differentiable with respect to x: the backward rotates the gradient by the opposite angle.
  Var apply(const Var& x, int64_t offset = 0) const;

  double theta(int64_t i) const;  // θ_i = base^(−2i/d), 0 ≤ i < d_head/2
  std::string type_name() const override;

  int64_t d_head;
  double base;

 private:
  std::vector<double> theta_;
};

}  // namespace atn
