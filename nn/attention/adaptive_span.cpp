#include "nn/attention/adaptive_span.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "tensor/elementwise.h"

namespace atn {

namespace {

AdaptiveSpanConfig checked(AdaptiveSpanConfig c) {
  if (c.d_model < 1 || c.n_heads < 1 || c.d_model % c.n_heads != 0)
    fail("AdaptiveSpanAttention: d_model=", c.d_model, " must be a positive multiple of n_heads=", c.n_heads);
  if (c.max_span < 1 || c.ramp < 1)
    fail("AdaptiveSpanAttention: max_span=", c.max_span, " and ramp=", c.ramp, " must be at least 1");
  if (!(c.span_init >= 0 && c.span_init <= 1))
    fail("AdaptiveSpanAttention: span_init=", c.span_init, " must be in [0, 1]");
  return c;
}

}  // namespace

Var adaptive_span_mask(const Var& span_ratio, const Tensor& distance, int64_t max_span, int64_t ramp) {
  if (span_ratio.dim() != 1) fail("adaptive_span_mask: span_ratio ", to_string(span_ratio.shape()), " is not [H]");
  if (!distance.defined()) fail("adaptive_span_mask: the distances are undefined");
  if (max_span < 1 || ramp < 1)
    fail("adaptive_span_mask: max_span=", max_span, " and ramp=", ramp, " must be at least 1");
  // c [H] → [H, 1, ..., 1] so that it broadcasts against the distances D into [H, ...D].
  Shape c_shape = {span_ratio.size(0)};
  c_shape.insert(c_shape.end(), size_t(distance.dim()), 1);
  Var z = reshape(span_ratio, c_shape) * real(max_span);     // z_h = c_h·S
  Var r_minus_x = constant(add(neg(distance), real(ramp)));  // R − x: no gradient, it is data
  Var u = (z + r_minus_x) / real(ramp);                      // the ramp before clamping [H, ...D]

  // clamp(u, 0, 1), with the derivative upstream gets from PyTorch's clamp: 1 on the CLOSED
  // interval 0 ≤ u ≤ 1, bounds included. The kinks u = 0 and u = 1 are where training starts
  // (c = 0 puts the nearest key at u = 1 and the key R back at u = 0) and where clamp_params()
  // returns c to, so the rule there decides whether a span can grow from 0. Beyond the maximum
  // span (x ≥ S) the mask is 0 with no gradient: those keys are never read.
  const Tensor& uv = u.value();
  const int64_t per_head = distance.numel();
  Tensor pass(uv.shape()), clamped(uv.shape());
  for (int64_t i = 0; i < uv.numel(); ++i) {
    const bool in_span = distance[i % per_head] < real(max_span);
    pass[i] = in_span && uv[i] >= 0 && uv[i] <= 1;
    clamped[i] = in_span ? std::clamp(uv[i], real(0), real(1)) : real(0);
  }
  return where(pass, u, constant(clamped));
}

AdaptiveSpanAttention::AdaptiveSpanAttention(AdaptiveSpanConfig cfg, Rng& rng)
    : config(checked(cfg)),
      head_dim(cfg.d_model / cfg.n_heads),
      wq(cfg.d_model, cfg.d_model, rng, cfg.bias),
      wk(cfg.d_model, cfg.d_model, rng, cfg.bias),
      wv(cfg.d_model, cfg.d_model, rng, cfg.bias),
      wo(cfg.d_model, cfg.d_model, rng, cfg.bias) {
  register_module("wq", wq);
  register_module("wk", wk);
  register_module("wv", wv);
  register_module("wo", wo);
  register_parameter("span_ratio", span_ratio, Tensor::full({cfg.n_heads}, cfg.span_init));
}

int64_t AdaptiveSpanAttention::window(int64_t T) const {
  // z_max in float, multiplied as adaptive_span_mask does, so that "u ≥ 0" below is decided
  // exactly as the mask decides it.
  double z_max = -std::numeric_limits<double>::infinity();
  for (real c : span_ratio.value()) z_max = std::max(z_max, double(c * real(config.max_span)));
  // Never more than the sequence, nor than the S keys the mask covers (distances 0 .. S − 1).
  const int64_t cap = std::min(T, config.max_span);
  // The keys with u = (R + z − x)/R ≥ 0 are x = 0 .. floor(z) + R. The last one may have m = 0
  // (when z is an integer) but it sits on the kink u = 0, where the gradient reaches c: it must
  // be read for the gradient to be upstream's (whose cache, trimmed in multiples of 64, has it).
  // Compare in double before converting: a huge, negative or NaN c (before clamp_params) must not
  // overflow. The query itself is always read.
  const double last = std::floor(z_max) + double(config.ramp);  // the farthest key with u ≥ 0
  if (!(last + 1 < double(cap))) return cap;
  if (!(last >= 0)) return std::min<int64_t>(cap, 1);
  return int64_t(last) + 1;
}

Var AdaptiveSpanAttention::forward(const Var& x, Tensor* weights) {
  if (x.dim() != 3 || x.size(2) != config.d_model || x.size(1) < 1)
    fail("AdaptiveSpanAttention: input ", to_string(x.shape()),
         " is not [B, T, d_model] with T ≥ 1 and d_model=", config.d_model);
  const int64_t B = x.size(0), T = x.size(1), H = config.n_heads, W = window(T);
  auto heads = [&](const Var& t) { return permute(reshape(t, {B, T, H, head_dim}), {0, 2, 1, 3}); };
  Var q = heads(wq(x)) * (real(1) / std::sqrt(real(head_dim)));  // scale once, not per block
  Var k = heads(wk(x)), v = heads(wv(x));
  if (weights) *weights = Tensor::zeros({B, H, T, T});

  std::vector<Var> blocks;
  for (int64_t i0 = 0; i0 < T; i0 += W) {
    // Queries i0 .. i0+rows−1 read keys k0 .. i0+rows−1: the union of their bands.
    const int64_t rows = std::min(W, T - i0), k0 = std::max<int64_t>(0, i0 - W + 1), keys = i0 + rows - k0;
    Tensor distance({rows, keys}), outside({rows, keys});  // x = i − j; outside: future or beyond the band
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < keys; ++c) {
        const int64_t d = (i0 + r) - (k0 + c);
        distance[r * keys + c] = real(d);
        outside[r * keys + c] = (d < 0 || d >= W) ? 1 : 0;
      }
    Var s = matmul(narrow(q, 2, i0, rows), narrow(k, 2, k0, keys), false, true);  // [B, H, rows, keys]
    Var a = softmax(masked_fill(s, outside, -std::numeric_limits<real>::infinity()));
    Var ma = a * adaptive_span_mask(span_ratio, distance, config.max_span, config.ramp);  // [H, rows, keys] broadcast
    Var a2 = ma / (sum(ma, -1, true) + real(1e-8));
    blocks.push_back(matmul(a2, narrow(v, 2, k0, keys)));  // [B, H, rows, d_h]
    if (weights) {
      const Tensor& w = a2.value();
      for (int64_t bh = 0; bh < B * H; ++bh)
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t c = 0; c < keys; ++c) (*weights)[(bh * T + i0 + r) * T + k0 + c] = w[(bh * rows + r) * keys + c];
    }
  }
  Var context = blocks.size() == 1 ? blocks[0] : concat(blocks, 2);  // [B, H, T, d_h]
  return wo(reshape(permute(context, {0, 2, 1, 3}), {B, T, config.d_model}));
}

Var AdaptiveSpanAttention::span_loss(real lambda) const { return mean(span_ratio) * (lambda * real(config.max_span)); }

void AdaptiveSpanAttention::clamp_params() {
  for (real& c : span_ratio.value()) c = std::clamp(c, real(0), real(1));
}

Tensor AdaptiveSpanAttention::spans() const { return mul(span_ratio.value(), real(config.max_span)); }

Tensor AdaptiveSpanAttention::mask_curve(int64_t n) const {
  if (n < 1) fail("AdaptiveSpanAttention: mask_curve needs n ≥ 1, got ", n);
  NoGrad no_grad;
  return adaptive_span_mask(span_ratio, Tensor::arange(n), config.max_span, config.ramp).value();
}

std::string AdaptiveSpanAttention::type_name() const {
  return "AdaptiveSpanAttention(d_model=" + std::to_string(config.d_model) +
         ", n_heads=" + std::to_string(config.n_heads) + ", max_span=" + std::to_string(config.max_span) +
         ", ramp=" + std::to_string(config.ramp) + ")";
}

}  // namespace atn
