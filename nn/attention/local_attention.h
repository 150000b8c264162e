// Sparse local-window attention (lesson 08; the "local" pattern of Child et al., "Generating Long
// Sequences with Sparse Transformers", 2019).
//
// Query i attends only to its window N(i) = {j : max(0, i−k+1) ≤ j ≤ i}: itself and the k−1
// tokens before it (k counts the token itself). Only those pairs are ever computed, so time and
// memory are O(T·k·d) instead of O(T²·d): doubling T doubles the cost, whatever k is.
//
// The result equals dense attention with the window as a mask,
//   sdpa_composed(q, k, v, local_window_mask(T, k)),
// in value and in gradient; the tests check exactly that.
//
// Weights are kept as a band [B, H, T, k]: band[..., i, c] is the weight of key j = i − k + 1 + c,
// so the last column (c = k−1) is the token itself and positions before the sequence start
// (j < 0) hold 0. band_to_dense spreads it out to [B, H, T, T] for a heatmap.
#pragma once
#include "nn/attention/masks.h"  // local_window_mask: the mask of the dense equivalent
#include "autograd/tape.h"

namespace atn {

// q, k [B, H, T, d], v [B, H, T, dv] → [B, H, T, dv], with scores q·k/√d. window ≥ 1.
// If weights_out is given it receives the band of weights [B, H, T, window] (a copy; no
// gradient flows through it).
Var local_attention(const Var& q, const Var& k, const Var& v, int64_t window, Tensor* weights_out = nullptr);

// A band [..., T, k] as above → the dense [..., T, T] matrix it stands for (zeros off the band).
Tensor band_to_dense(const Tensor& band);

}  // namespace atn
