// AdaptiveSpanAttention: the soft mask by hand, the window, a forward by hand, the banded forward
// against the spec's dense formula, the full span against plain causal attention, the gradient
// reaching c, the span loss, clamping, the cost claim (no T×T matrix on the tape), and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "nn/attention/adaptive_span.h"

namespace atn {
namespace {

constexpr real kInf = std::numeric_limits<real>::infinity();

// The spec's formula over the FULL causal matrix, written separately from the module: softmax over
// all j ≤ i, times m_h(i − j) computed here in double, renormalized with + 1e-8. With
// `use_mask` false it is plain causal multi-head attention.
Var dense_reference(AdaptiveSpanAttention& m, const Var& x, bool use_mask, Tensor* weights = nullptr) {
  const int64_t B = x.size(0), T = x.size(1), H = m.config.n_heads, dh = m.head_dim;
  auto heads = [&](const Var& t) { return permute(reshape(t, {B, T, H, dh}), {0, 2, 1, 3}); };
  Var s = matmul(heads(m.wq(x)), heads(m.wk(x)), false, true) * (1 / std::sqrt(real(dh)));
  Tensor future({T, T}), mask({H, T, T});
  const double S = double(m.config.max_span), R = double(m.config.ramp);
  for (int64_t h = 0; h < H; ++h)
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j < T; ++j) {
        future[i * T + j] = j > i;
        const double z = double(m.span_ratio.value()[h]) * S;
        mask[(h * T + i) * T + j] = real(std::clamp((R + z - double(i - j)) / R, 0.0, 1.0));
      }
  Var a = softmax(masked_fill(s, future, -kInf));
  if (use_mask) {
    Var ma = a * constant(mask);
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

  Rng rng(1);
  AdaptiveSpanAttention attn({.d_model = 4, .n_heads = 2, .max_span = 10, .ramp = 4}, rng);
  EXPECT_EQ(attn.span_ratio.value().to_vector(), (std::vector<real>{0, 0}));  // the paper's start
  attn.span_ratio.value().copy_from(Tensor::from({0, 0.5f}));
  EXPECT_TRUE(allclose(attn.mask_curve(10), m.value()));
  EXPECT_EQ(attn.spans().to_vector(), (std::vector<real>{0, 5}));
}

TEST(AdaptiveSpan, Window) {
  Rng rng(2);
  AdaptiveSpanAttention attn({.d_model = 4, .n_heads = 2, .max_span = 10, .ramp = 4}, rng);
  EXPECT_EQ(attn.window(100), 4);  // c = 0: z = 0, the ramp alone (x = 0..3 have m > 0)
  attn.span_ratio.value().copy_from(Tensor::from({0.1f, 0.33f}));
  EXPECT_EQ(attn.window(100), 8);  // max z = 3.3 → ceil 4, + R = 8: m(7) = (4 + 3.3 − 7)/4 > 0, m(8) < 0
  EXPECT_EQ(attn.window(6), 6);    // never more than the sequence
  attn.span_ratio.value().copy_from(Tensor::from({0.5f, 0.2f}));
  EXPECT_EQ(attn.window(100), 9);  // z = 5 exactly: m(8) = 0.25, m(9) = 0
}

TEST(AdaptiveSpan, ForwardByHand) {
  // d = 1, one head, S = 1, R = 1, c = 0.5 → z = 0.5, m(0) = 1, m(1) = 0.5, m(2) = 0; W = 2.
  // W_q = W_k = 0 makes every score 0, so a is uniform over j ≤ i; W_v = W_o = 1.
  //   row 0: a' = [1]
  //   row 1: a = [1/2, 1/2], m = [0.5, 1] → [1/4, 1/2]/(3/4) = [1/3, 2/3]
  //   row 2: a = [1/3, 1/3, 1/3], m = [0, 0.5, 1] → [0, 1/6, 1/3]/(1/2) = [0, 1/3, 2/3]
  // x = [1, 2, 4] → out = [1, 1/3 + 4/3, 2/3 + 8/3] = [1, 5/3, 10/3].
  Rng rng(3);
  AdaptiveSpanAttention attn({.d_model = 1, .n_heads = 1, .max_span = 1, .ramp = 1, .span_init = 0.5f}, rng);
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
  // T = 13, S = 8, R = 2, c = [0.1, 0.3] → z = [0.8, 2.4], W = ceil(2.4) + 2 = 5: three blocks,
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
  // c = 1 and S ≥ T − 1: m(x) = 1 for every distance in the sequence, and S + R ≥ T makes the
  // band the whole causal triangle.
  Rng rng(5);
  AdaptiveSpanAttention attn({.d_model = 4, .n_heads = 2, .max_span = 9, .ramp = 3, .span_init = 1}, rng);
  Var x(Tensor::randn({2, 9, 4}, rng));
  EXPECT_EQ(attn.window(9), 9);
  EXPECT_LT(max_abs_diff(attn(x).value(), dense_reference(attn, x, false).value()), 1e-5);
}

TEST(AdaptiveSpan, GradientReachesTheSpan) {
  // c = [0.29, 0.55], S = 6, R = 3 → z = [1.74, 3.3]; every (R + z − x)/R is at least 0.03 away
  // from 0 and 1, so a step of 1e-3 in c (6e-3 in z) never crosses a kink. W = 7 < T = 10.
  Rng rng(6);
  AdaptiveSpanAttention attn({.d_model = 4, .n_heads = 2, .max_span = 6, .ramp = 3}, rng);
  attn.span_ratio.value().copy_from(Tensor::from({0.29f, 0.55f}));
  ASSERT_EQ(attn.window(10), 7);
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
