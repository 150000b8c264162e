// Adaptive attention span: Sukhbaatar, Grave, Bojanowski & Joulin, "Adaptive Attention Span in
// Transformers" (ACL 2019, arXiv:1905.07799); see specs/adaptive-span.md.
//
// Causal multi-head attention in which every head h learns how far back it looks. The head has
// one scalar c_h ∈ [0, 1]; its span is z_h = c_h·S tokens (S = max_span). A soft mask over the
// distance x = i − j ≥ 0 from query i to key j,
//
//   m_z(x) = clamp((R + z − x) / R, 0, 1)         (R = ramp)
//
// is 1 up to distance z, falls linearly to 0 at z + R, and is applied after the softmax, which is
// then renormalized:  a'_ij = m(i − j)·a_ij / (Σ_k m(i − k)·a_ik + 1e-8).
// The mask covers the S nearest keys, distances 0 .. S − 1 (upstream's template has S entries):
// keys S or more back get m = 0 whatever c is, and are never read.
// The loss reaches c through the ramp only, with slope S/R. At the kinks (u = (R + z − x)/R
// exactly 0 or 1, i.e. z an integer) we use upstream's derivative, that of PyTorch's clamp: 1 on
// the closed interval 0 ≤ u ≤ 1. This matters: c starts at 0 and clamp_params() puts it back to
// 0, a kink where the nearest key has u = 1 and the key R back has u = 0; with the derivative
// taken on the open interval only, the gradient there ignores both keys and can point the wrong
// way (tests/test_adaptive_span.cpp has a task where it does, and c never leaves 0). Keys fully
// in (u > 1) or fully out (u < 0) say nothing about c.
//
// Which keys a query sees. Ours is the causal GPT variant of the spec: query i attends to j ≤ i,
// ITSELF INCLUDED (distance 0, the nearest key, always m = 1 when z ≥ 0), so at most itself and
// the S − 1 tokens before it. (Upstream attends to the S previous tokens but not to itself,
// through a Transformer-XL cache, and adds a learned relative position embedding on the key side;
// we leave both out.)
//
// Cost. Keys at distance ≥ W = min(T, S, floor(max_h z_h) + R + 1) get m = 0 and no gradient for
// every head, so they are never read: query i attends to the band of keys i − W + 1 .. i. (The
// farthest key of the band, x = floor(z) + R, has m = 0 when z is an integer, but u = 0 there is a
// kink whose gradient upstream keeps, so it is read.) The forward walks the
// sequence in blocks of W queries; a block reads its W queries' keys, at most 2W − 1 of them,
// and builds a [B, H, W, 2W − 1] score matrix. Work and tape memory are about
// 2·B·H·T·W·d_h multiply-adds instead of B·H·T²·d_h, a saving once W < T/2. The full T×T matrix
// is built only when the weights are asked for (a plain tensor, for plots).
// The softmax runs over the band, so the renormalized weights equal the formula above (softmax
// over all j ≤ i) up to its 1e-8: the keys left out have m = 0 and cancel between numerator and
// denominator.
//
// Projections: "wq", "wk", "wv", "wo" (Linear d → d, without bias by default, as in upstream's
// model); the span fractions c are the parameter "span_ratio" [H].
// After every optimizer step call clamp_params() to put c back into [0, 1].
#pragma once
#include "nn/linear.h"

namespace atn {

struct AdaptiveSpanConfig {
  int64_t d_model = 0;
  int64_t n_heads = 1;   // must divide d_model
  int64_t max_span = 0;  // S, in tokens (≥ 1)
  int64_t ramp = 32;     // R, in tokens (≥ 1)
  real span_init = 0;    // initial c_h for every head (the paper starts from 0)
  bool bias = false;     // biases in the four projections
};

// m_h(x) = clamp((R + c_h·S − x)/R, 0, 1) for every head h and every distance x < S in `distance`
// (a constant of any shape D, usually [Lq, Lk]), and 0 for x ≥ S; span_ratio is c [H]. Result
// [H, ...D]. The gradient reaches c wherever 0 ≤ (R + c_h·S − x)/R ≤ 1 (bounds included, as
// PyTorch's clamp) and x < S, with d m/d c_h = S/R.
Var adaptive_span_mask(const Var& span_ratio, const Tensor& distance, int64_t max_span, int64_t ramp);

class AdaptiveSpanAttention : public Layer {
 public:
  AdaptiveSpanAttention(AdaptiveSpanConfig config, Rng& rng);

  // x [B, T, d] → [B, T, d]. If `weights` is given it receives the renormalized weights a' as a
  // dense [B, H, T, T] tensor (zero after the query and beyond the band; rows sum to 1 up to the
  // 1e-8), a plain copy for plots: no gradient flows through it.
  Var forward(const Var& x) override { return forward(x, nullptr); }
  Var forward(const Var& x, Tensor* weights);
  std::string type_name() const override;

  // λ·S·mean_h(c_h) = (λ/H)·Σ_h z_h, to be added to the training loss (not the reported one).
  Var span_loss(real lambda) const;
  // Puts every c_h back into [0, 1] (in place, not recorded): call after optimizer.step().
  void clamp_params();
  // z_h = c_h·S, in tokens [H].
  Tensor spans() const;
  // The number of keys each query reads for a sequence of length T: min(T, S, floor(max_h z_h) + R + 1).
  int64_t window(int64_t T) const;
  // m_h(x) for x = 0 .. n − 1 [H, n]: the mask curves, for plots (0 from x = S on).
  Tensor mask_curve(int64_t n) const;

  AdaptiveSpanConfig config;
  int64_t head_dim;
  Linear wq, wk, wv, wo;
  Var span_ratio;  // c [H]
};

}  // namespace atn
