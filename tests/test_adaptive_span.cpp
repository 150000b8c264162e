// AdaptiveSpanAttention: the soft mask by hand, the window, a forward by hand, the banded forward
// against the spec's dense formula, the full span against plain causal attention, the gradient
// reaching c (and at the kinks, upstream's rule worked out by hand), a span that grows from 0 in
// training, keys beyond the maximum span never read, the span loss, clamping, the cost claim (no
// T×T matrix on the tape), and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "nn/attention/adaptive_span.h"
#include "optim/adam.h"
#include "tensor/elementwise.h"

namespace atn {
namespace {

constexpr real kInf = std::numeric_limits<real>::infinity();

// The spec's mask m_h(i − j) for every query i and key j ≤ i of a length-T sequence, computed
// here in double: clamp((R + c_h·S − x)/R, 0, 1) for distances x < S, 0 beyond. [H, T, T].
Tensor dense_mask(const AdaptiveSpanAttention& m, int64_t T) {
  const int64_t H = m.config.n_heads;
  const double S = double(m.config.max_span), R = double(m.config.ramp);
  Tensor mask({H, T, T});
  for (int64_t h = 0; h < H; ++h)
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j <= i; ++j) {
        const double z = double(m.span_ratio.value()[h]) * S, x = double(i - j);
        mask[(h * T + i) * T + j] = x < S ? real(std::clamp((R + z - x) / R, 0.0, 1.0)) : 0;
      }
  return mask;
}

// The spec's formula over the FULL causal matrix, written separately from the module: softmax over
// all j ≤ i, times the mask (dense_mask unless given, e.g. as a leaf to differentiate), renormalized
// with + 1e-8. With `use_mask` false it is plain causal multi-head attention.
Var dense_reference(AdaptiveSpanAttention& m, const Var& x, bool use_mask, Tensor* weights = nullptr,
                    Var mask = Var()) {
  const int64_t B = x.size(0), T = x.size(1), H = m.config.n_heads, dh = m.head_dim;
  auto heads = [&](const Var& t) { return permute(reshape(t, {B, T, H, dh}), {0, 2, 1, 3}); };
  Var s = matmul(heads(m.wq(x)), heads(m.wk(x)), false, true) * (1 / std::sqrt(real(dh)));
  Tensor future({T, T});
  for (int64_t i = 0; i < T; ++i)
    for (int64_t j = i + 1; j < T; ++j) future[i * T + j] = 1;
  Var a = softmax(masked_fill(s, future, -kInf));
  if (use_mask) {
    Var ma = a * (mask.defined() ? mask : constant(dense_mask(m, T)));
    a = ma / (sum(ma, -1, true) + real(1e-8));
  }
  if (weights) *weights = a.value();
  return m.wo(reshape(permute(matmul(a, heads(m.wv(x))), {0, 2, 1, 3}), {B, T, m.config.d_model}));
}

TEST(AdaptiveSpan, MaskValuesByHand) {
  // S = 10, R = 4, c = [0, 0.5] → z = [0, 5];  m = clamp((4 + z − x)/4, 0, 1):
  //   head 0: x = 0..5 → 1, 0.75, 0.5, 0.25, 0, 0
  //   head 1: x ≤ 5 → 1;  x = 6, 7, 8, 9 → 0.75, 0.5, 0.25, 0
  Var c = param(Tensor::from({0, 0.5f}));
  Var m = adaptive_span_mask(c, Tensor::arange(10), 10, 4);
  EXPECT_EQ(m.shape(), (Shape{2, 10}));
  EXPECT_TRUE(allclose(m.value(), Tensor::from({1, 0.75f, 0.5f, 0.25f, 0, 0, 0,     0,    0,     0,  //
                                                1, 1,     1,    1,     1, 1, 0.75f, 0.5f, 0.25f, 0},
                                               {2, 10})));
  // A [2, 3] table of distances gives [H, 2, 3].
  EXPECT_EQ(adaptive_span_mask(c, Tensor::zeros({2, 3}), 10, 4).shape(), (Shape{2, 2, 3}));
  // Beyond the maximum span the mask is 0 even for c = 1 (z = S = 10): x = 9 → 1, x = 10, 11 → 0.
  Var full = param(Tensor::from({1}));
  EXPECT_EQ(adaptive_span_mask(full, Tensor::from({9, 10, 11}), 10, 4).value().to_vector(),
            (std::vector<real>{1, 0, 0}));

  Rng rng(1);
  AdaptiveSpanAttention attn({.d_model = 4, .n_heads = 2, .max_span = 10, .ramp = 4}, rng);
  EXPECT_EQ(attn.span_ratio.value().to_vector(), (std::vector<real>{0, 0}));  // the paper's start
  attn.span_ratio.value().copy_from(Tensor::from({0, 0.5f}));
  EXPECT_TRUE(allclose(attn.mask_curve(10), m.value()));
  EXPECT_EQ(attn.spans().to_vector(), (std::vector<real>{0, 5}));
}

TEST(AdaptiveSpan, Window) {
  // The window holds the keys with u = (R + z − x)/R ≥ 0, x = 0 .. floor(z) + R, capped at S and T.
  Rng rng(2);
  AdaptiveSpanAttention attn({.d_model = 4, .n_heads = 2, .max_span = 10, .ramp = 4}, rng);
  EXPECT_EQ(attn.window(100), 5);  // c = 0: x = 0..3 have m > 0, and x = 4 sits on the kink u = 0
  attn.span_ratio.value().copy_from(Tensor::from({0.1f, 0.33f}));
  EXPECT_EQ(attn.window(100), 8);  // max z = 3.3 → floor 3, + R + 1 = 8: u(7) = 0.075 > 0, u(8) < 0
  EXPECT_EQ(attn.window(6), 6);    // never more than the sequence
  attn.span_ratio.value().copy_from(Tensor::from({0.25f, 0.2f}));
  EXPECT_EQ(attn.window(100), 7);  // z = 2.5: u(6) = 0.125, u(7) < 0
  attn.span_ratio.value().copy_from(Tensor::from({0.5f, 0.2f}));
  EXPECT_EQ(attn.window(100), 10);  // z = 5: m(8) = 0.25, u(9) = 0; 5 + 4 + 1 = 10 = S
  attn.span_ratio.value().copy_from(Tensor::from({1, 0}));
  EXPECT_EQ(attn.window(100), 10);  // z + R = 14 keys would have m > 0, but the mask stops at S = 10
  attn.span_ratio.value().copy_from(Tensor::from({-1, -0.5f}));
  EXPECT_EQ(attn.window(100), 1);  // before clamp_params: z = −5 leaves no key with u ≥ 0; the query itself
}

TEST(AdaptiveSpan, ForwardByHand) {
  // d = 1, one head, S = 2, R = 1, c = 0.25 → z = 0.5, m(0) = 1, m(1) = 0.5, m(2) = 0; W = 2.
  // W_q = W_k = 0 makes every score 0, so a is uniform over j ≤ i; W_v = W_o = 1.
  //   row 0: a' = [1]
  //   row 1: a = [1/2, 1/2], m = [0.5, 1] → [1/4, 1/2]/(3/4) = [1/3, 2/3]
  //   row 2: a = [1/3, 1/3, 1/3], m = [0, 0.5, 1] → [0, 1/6, 1/3]/(1/2) = [0, 1/3, 2/3]
  // x = [1, 2, 4] → out = [1, 1/3 + 4/3, 2/3 + 8/3] = [1, 5/3, 10/3].
  Rng rng(3);
  AdaptiveSpanAttention attn({.d_model = 1, .n_heads = 1, .max_span = 2, .ramp = 1, .span_init = 0.25f}, rng);
  attn.wq.weight.value().fill(0);
  attn.wk.weight.value().fill(0);
  attn.wv.weight.value().fill(1);
  attn.wo.weight.value().fill(1);
  EXPECT_EQ(attn.window(3), 2);
  Tensor w;
  Var y = attn.forward(Var(Tensor::from({1, 2, 4}, {1, 3, 1})), &w);
  EXPECT_TRUE(allclose(y.value(), Tensor::from({1, 5 / 3.0f, 10 / 3.0f}, {1, 3, 1}), 1e-5f));
  const real t = 1 / 3.0f;
  EXPECT_TRUE(allclose(w, Tensor::from({1, 0, 0, t, 2 * t, 0, 0, t, 2 * t}, {1, 1, 3, 3}), 1e-5f));
}

TEST(AdaptiveSpan, BandEqualsTheDenseFormula) {
  // T = 13, S = 8, R = 2, c = [0.1, 0.3] → z = [0.8, 2.4], W = floor(2.4) + 2 + 1 = 5: three blocks,
  // the last one short, and keys 5 or more back never read.
  Rng rng(4);
  AdaptiveSpanAttention attn({.d_model = 6, .n_heads = 2, .max_span = 8, .ramp = 2, .bias = true}, rng);
  attn.span_ratio.value().copy_from(Tensor::from({0.1f, 0.3f}));
  ASSERT_EQ(attn.window(13), 5);
  Var x(Tensor::randn({2, 13, 6}, rng));
  Tensor w, w_ref;
  Var y = attn.forward(x, &w);
  Var y_ref = dense_reference(attn, x, true, &w_ref);
  EXPECT_LT(max_abs_diff(y.value(), y_ref.value()), 1e-5);
  EXPECT_LT(max_abs_diff(w, w_ref), 1e-6);
  for (int64_t bh = 0; bh < 4; ++bh)
    for (int64_t i = 0; i < 13; ++i) {
      real row = 0;
      for (int64_t j = 0; j < 13; ++j) {
        const real a = w[(bh * 13 + i) * 13 + j];
        if (j > i || i - j >= 5) {
          EXPECT_EQ(a, 0);
        }
        row += a;
      }
      EXPECT_NEAR(row, 1, 1e-5);
    }
}

TEST(AdaptiveSpan, FullSpanIsPlainCausalAttention) {
  // c = 1 and S ≥ T: m(x) = 1 for every distance in the sequence (x ≤ T − 1 < S), and the band is
  // the whole causal triangle.
  Rng rng(5);
  AdaptiveSpanAttention attn({.d_model = 4, .n_heads = 2, .max_span = 9, .ramp = 3, .span_init = 1}, rng);
  Var x(Tensor::randn({2, 9, 4}, rng));
  EXPECT_EQ(attn.window(9), 9);
  EXPECT_LT(max_abs_diff(attn(x).value(), dense_reference(attn, x, false).value()), 1e-5);
}

TEST(AdaptiveSpan, GradientReachesTheSpan) {
  // c = [0.29, 0.55], S = 6, R = 3 → z = [1.74, 3.3]; every (R + z − x)/R is at least 0.03 away
  // from 0 and 1, so a step of 1e-3 in c (6e-3 in z) never crosses a kink. W = S = 6 < T = 10.
  Rng rng(6);
  AdaptiveSpanAttention attn({.d_model = 4, .n_heads = 2, .max_span = 6, .ramp = 3}, rng);
  attn.span_ratio.value().copy_from(Tensor::from({0.29f, 0.55f}));
  ASSERT_EQ(attn.window(10), 6);
  Var x = param(Tensor::randn({1, 10, 4}, rng));
  std::vector<Var> inputs = {attn.span_ratio, x};
  for (const Var& p : attn.parameters())
    if (!p.same_as(attn.span_ratio)) inputs.push_back(p);
  auto r = gradcheck([&](const std::vector<Var>& v) { return attn(v[1]); }, inputs);
  EXPECT_TRUE(r.ok) << r.report;
  backward(sum(attn(x)));
  EXPECT_GT(std::fabs(attn.span_ratio.grad()[0]), 1e-6);
  EXPECT_GT(std::fabs(attn.span_ratio.grad()[1]), 1e-6);
}

TEST(AdaptiveSpan, GradientAtTheKinksIsUpstreams) {
  // Upstream's mask is PyTorch's clamp(u, 0, 1), whose derivative is 1 on the CLOSED interval
  // 0 ≤ u ≤ 1. By the chain rule, dL/dc_h = (S/R)·Σ dL/dm_h(i, j) over the pairs j ≤ i with
  // i − j < S and 0 ≤ u ≤ 1: worked out here from the dense formula with the mask as a leaf.
  // S = 8, R = 4, c = [0, 0.25, 1] → z = [0, 2, 8], integers, so every head sits on kinks:
  //   head 0 (the initial c = 0): u = (4 − x)/4, kinks at x = 0 (u = 1) and x = 4 (u = 0);
  //   head 1: u = (6 − x)/4, kinks at x = 2 and x = 6;
  //   head 2 (c = 1, where clamp_params puts c from above): u > 1 for every x < S, no gradient.
  Rng rng(10);
  AdaptiveSpanAttention attn({.d_model = 6, .n_heads = 3, .max_span = 8, .ramp = 4}, rng);
  attn.span_ratio.value().copy_from(Tensor::from({0, 0.25f, 1}));
  const int64_t T = 12;
  Var x(Tensor::randn({2, T, 6}, rng));
  const Tensor g = Tensor::randn({2, T, 6}, rng);  // L = Σ g ⊙ y, a generic loss
  backward(sum(attn(x) * constant(g)));
  const Tensor grad = attn.span_ratio.grad().clone();

  Var mask = param(dense_mask(attn, T));
  backward(sum(dense_reference(attn, x, true, nullptr, mask) * constant(g)));
  const double S = 8, R = 4;
  for (int64_t h = 0; h < 3; ++h) {
    double closed = 0, open = 0;  // upstream's rule, and the derivative on 0 < u < 1 only
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = std::max<int64_t>(0, i - 7); j <= i; ++j) {
        const double u = (R + double(attn.span_ratio.value()[h]) * S - double(i - j)) / R;
        const double dm = mask.grad()[(h * T + i) * T + j];
        if (u >= 0 && u <= 1) closed += dm;
        if (u > 0 && u < 1) open += dm;
      }
    closed *= S / R;
    open *= S / R;
    EXPECT_NEAR(grad[h], closed, 1e-4 * std::max(1.0, std::fabs(closed))) << "head " << h;
    if (h < 2) {
      EXPECT_GT(std::fabs(closed - open), 1e-2) << "head " << h << ": the kinks make no difference here";
    }
  }
  EXPECT_EQ(grad[2], 0);
}

TEST(AdaptiveSpan, SpanGrowsFromZeroWhenLongerContextHelps) {
  // The target y_t = 0.4·x_t + 0.6·x_{t−R} needs the key R back, just past the initial ramp
  // (c = 0 gives m > 0 to x = 0 .. R − 1 only). Content attention is uniform (W_q = W_k = 0) and
  // W_v = W_o = I, so y'_t = Σ_x w_x·x_{t−x} with w the renormalized mask: the span is all there
  // is to learn. Training c alone (Adam, with a small span loss) must move it off 0 and lower
  // the loss. (With the derivative on the open interval 0 < u < 1, or without the key at u = 0
  // in the window, the gradient at c = 0 is positive here and c stays clamped at 0.)
  Rng rng(11);
  const int64_t d = 4, B = 8, T = 24, R = 4;
  AdaptiveSpanAttention attn({.d_model = d, .n_heads = 1, .max_span = 16, .ramp = R}, rng);
  attn.wq.weight.value().fill(0);
  attn.wk.weight.value().fill(0);
  Tensor eye = Tensor::zeros({d, d});
  for (int64_t i = 0; i < d; ++i) eye[i * d + i] = 1;
  attn.wv.weight.value().copy_from(eye);
  attn.wo.weight.value().copy_from(eye);
  auto batch = [&](Tensor& x, Tensor& y) {
    x = Tensor::randn({B, T, d}, rng);
    y = mul(x, 0.4f);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = R; t < T; ++t)
        for (int64_t c = 0; c < d; ++c) y[(b * T + t) * d + c] += 0.6f * x[(b * T + t - R) * d + c];
  };
  Tensor x_eval, y_eval, x, y;
  batch(x_eval, y_eval);
  auto eval_loss = [&] {
    NoGrad no_grad;
    return mse(attn(Var(x_eval)), Var(y_eval)).item();
  };
  const real loss_at_zero = eval_loss();
  Adam opt({attn.span_ratio}, {.lr = 0.02f});
  for (int step = 0; step < 150; ++step) {
    batch(x, y);
    opt.zero_grad();
    backward(mse(attn(Var(x)), Var(y)) + attn.span_loss(1e-3f));
    if (step == 0) {
      EXPECT_LT(attn.span_ratio.grad()[0], 0) << "at c = 0 the gradient does not ask for a longer span";
    }
    opt.step();
    attn.clamp_params();
  }
  EXPECT_GT(attn.spans()[0], 3);  // z grew from 0 to about R: the key R back is (nearly) fully in
  EXPECT_LT(eval_loss(), 0.85f * loss_at_zero);
}

TEST(AdaptiveSpan, KeysBeyondTheMaximumSpanAreNeverRead) {
  // S = 4, R = 3, c = [1, 0.5] → z = [4, 2]: m would be > 0 up to x = 6, but the mask stops at
  // x = S − 1 = 3, so W = S = 4 < T = 10. Changing token 0 then changes no output at i ≥ S (it is
  // S or more back), and under a loss on those outputs token 0 gets no gradient and every other
  // gradient stays the same.
  Rng rng(12);
  AdaptiveSpanAttention attn({.d_model = 4, .n_heads = 2, .max_span = 4, .ramp = 3}, rng);
  attn.span_ratio.value().copy_from(Tensor::from({1, 0.5f}));
  ASSERT_EQ(attn.window(10), 4);
  Tensor x0 = Tensor::randn({2, 10, 4}, rng), x1 = x0.clone();
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t c = 0; c < 4; ++c) x1[b * 40 + c] += 3;  // token 0
  const Tensor g = Tensor::randn({2, 6, 4}, rng);
  Tensor y[2], dx[2], dc[2];
  for (int run = 0; run < 2; ++run) {
    Var x = param(run == 0 ? x0 : x1);
    attn.zero_grad();
    Var out = attn(x);
    y[run] = out.value();
    backward(sum(narrow(out, 1, 4, 6) * constant(g)));  // a loss on the outputs at i ≥ S only
    dx[run] = x.grad().clone();
    dc[run] = attn.span_ratio.grad().clone();
  }
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < 10; ++i)
      for (int64_t c = 0; c < 4; ++c) {
        const int64_t k = (b * 10 + i) * 4 + c;
        if (i >= 4) {
          EXPECT_EQ(y[0][k], y[1][k]) << "output " << i << " read a key S or more back";
        }
        if (i == 0) {
          EXPECT_EQ(dx[0][k], 0) << "token 0 got a gradient from outputs S or more after it";
        }
        if (i >= 1) {
          EXPECT_EQ(dx[0][k], dx[1][k]) << "the gradient of token " << i << " depends on tokens beyond S";
        }
      }
  EXPECT_EQ(max_abs_diff(dc[0], dc[1]), 0);
  // The same against the dense formula, whose mask is 0 for x ≥ S.
  EXPECT_LT(max_abs_diff(y[0], dense_reference(attn, Var(x0), true).value()), 1e-5);
  // The banded work is capped by S: no score block wider than 2S − 1 keys, for any T.
  Tape::current().clear();
  Var out = attn(param(Tensor::randn({1, 40, 4}, rng)));
  for (const auto& e : Tape::current().entries())
    if (e.out->value.dim() == 4) {
      EXPECT_LE(e.out->value.size(3), 2 * 4 - 1) << e.op;
    }
  Tape::current().clear();
}

TEST(AdaptiveSpan, SpanLossAndClamp) {
  // λ = 0.5, S = 10, c = [0.2, 0.4]: λ·S·mean(c) = 0.5·10·0.3 = 1.5; d/dc_h = λ·S/H = 2.5.
  Rng rng(7);
  AdaptiveSpanAttention attn({.d_model = 4, .n_heads = 2, .max_span = 10}, rng);
  attn.span_ratio.value().copy_from(Tensor::from({0.2f, 0.4f}));
  Var loss = attn.span_loss(0.5f);
  EXPECT_NEAR(loss.item(), 1.5f, 1e-6);
  backward(loss);
  EXPECT_TRUE(allclose(attn.span_ratio.grad(), Tensor::from({2.5f, 2.5f})));
  attn.span_ratio.value().copy_from(Tensor::from({-0.2f, 1.3f}));
  attn.clamp_params();
  EXPECT_EQ(attn.span_ratio.value().to_vector(), (std::vector<real>{0, 1}));
}

TEST(AdaptiveSpan, NeverBuildsTheFullMatrix) {
  // T = 32 with W = 5: no tape entry may hold B·H·T·T numbers (a T×T score matrix per head).
  Rng rng(8);
  AdaptiveSpanAttention attn({.d_model = 4, .n_heads = 2, .max_span = 8, .ramp = 4, .span_init = 0.1f}, rng);
  ASSERT_EQ(attn.window(32), 5);
  Tape::current().clear();
  Var y = attn(param(Tensor::randn({2, 32, 4}, rng)));
  int64_t largest = 0;
  for (const auto& e : Tape::current().entries()) largest = std::max(largest, e.out->value.numel());
  Tape::current().clear();
  EXPECT_LT(largest, 2 * 2 * 32 * 32);
  EXPECT_EQ(largest, 2 * 32 * 4);  // the biggest things are [B, T, d] activations
}

TEST(AdaptiveSpan, TypeNameNamesAndErrors) {
  Rng rng(9);
  AdaptiveSpanAttention attn({.d_model = 4, .n_heads = 2, .max_span = 16, .ramp = 8}, rng);
  EXPECT_EQ(attn.type_name(), "AdaptiveSpanAttention(d_model=4, n_heads=2, max_span=16, ramp=8)");
  auto named = attn.named_parameters();
  ASSERT_EQ(named.size(), 5u);              // no biases by default
  EXPECT_EQ(named[0].first, "span_ratio");  // a module's own parameters come before its children's
  EXPECT_EQ(named[0].second.shape(), (Shape{2}));
  EXPECT_EQ(named[1].first, "wq.weight");
  EXPECT_EQ(named[4].first, "wo.weight");
  try {
    attn(Var(Tensor::zeros({2, 5, 3})));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "AdaptiveSpanAttention: input [2, 5, 3] is not [B, T, d_model] with T ≥ 1 and d_model=4");
  }
  EXPECT_THROW(attn(Var(Tensor::zeros({5, 4}))), Error);
  EXPECT_THROW(AdaptiveSpanAttention({.d_model = 4, .n_heads = 3, .max_span = 4}, rng), Error);
  EXPECT_THROW(AdaptiveSpanAttention({.d_model = 4, .n_heads = 2, .max_span = 0}, rng), Error);
  EXPECT_THROW(AdaptiveSpanAttention({.d_model = 4, .n_heads = 2, .max_span = 4, .ramp = 0}, rng), Error);
  EXPECT_THROW(AdaptiveSpanAttention({.d_model = 4, .n_heads = 2, .max_span = 4, .span_init = 2}, rng), Error);
  EXPECT_THROW(adaptive_span_mask(param(Tensor::zeros({2, 1})), Tensor::zeros({3}), 4, 2), Error);
  EXPECT_THROW(adaptive_span_mask(param(Tensor::zeros({2})), Tensor(), 4, 2), Error);
  EXPECT_THROW(attn.mask_curve(0), Error);
}

}  // namespace
}  // namespace atn
