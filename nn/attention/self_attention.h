// Single-head self-attention, as in the course (lesson 02):
//
//   Q = X W_qᵀ,  K = X W_kᵀ,  V = X W_vᵀ           (bias-free projections d → d_k, d_k, d_v)
//   A = softmax(Q Kᵀ / √d_k + mask)                  (row i: how much token i looks at each j)
//   H = A V                                          (row i: a convex combination of the values)
//
// The entry q_i·k_j = x_iᵀ W_qᵀ W_k x_j is a bilinear form in (x_i, x_j) with the d×d matrix
// W_qᵀ W_k (rank ≤ d_k). Without positional information the layer is permutation-equivariant:
// permuting the rows of X permutes the rows of H (and rows and columns of A) the same way.
#pragma once
#include "nn/attention/scores.h"

namespace atn {

class SelfAttention : public Module {
 public:
  // d_k = 0 or d_v = 0 means "the same as d_model".
  SelfAttention(int64_t d_model, Rng& rng, int64_t d_k = 0, int64_t d_v = 0);

  // x [T, d] or [B, T, d] → context H [T, d_v] or [B, T, d_v] and weights A [T, T] or
  // [B, T, T]. mask (1 = may attend, see masks.h) broadcasts to A's shape: causal_mask(T) for
  // a decoder, a graph's adjacency to restrict attention to neighbours, [B, 1, T] for padding.
  AttentionResult forward(const Var& x, const Tensor& mask = Tensor());
  AttentionResult operator()(const Var& x, const Tensor& mask = Tensor()) { return forward(x, mask); }
  std::string type_name() const override;

  int64_t d_model, d_k, d_v;
  Linear wq, wk, wv;  // weights [d_k, d], [d_k, d], [d_v, d]: "wq.weight", "wk.weight", "wv.weight"
};

}  // namespace atn
