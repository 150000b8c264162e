// NaturalAttention: values by hand, the stored energies (mask, detachment), causality and the leak,
// gradients, errors, and one step of the attention-informed optimizer fed by the module.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "nn/attention/natural_attention.h"
#include "optim/attention_informed.h"

namespace atn {
namespace {

constexpr real kInf = std::numeric_limits<real>::infinity();

// d = 2, one head, every projection the identity with zero bias: Q = K = V = x.
void make_identity(NaturalAttention& attn) {
  for (Linear* l : {&attn.wq, &attn.wk, &attn.wv, &attn.wo}) {
    l->weight.value().copy_from(Tensor::from({1, 0, 0, 1}));
    l->bias.value().fill(0);
  }
}

TEST(NaturalAttention, NamesShapesAndTypeName) {
  Rng rng(1);
  NaturalAttention attn({.d_model = 8, .n_heads = 2}, rng);
  auto named = attn.named_parameters();
  ASSERT_EQ(named.size(), 8u);
  EXPECT_EQ(named[0].first, "wq.weight");
  EXPECT_EQ(named[1].first, "wq.bias");
  EXPECT_EQ(named[7].first, "wo.bias");
  EXPECT_EQ(named[6].second.shape(), (Shape{8, 8}));
  EXPECT_EQ(attn.num_parameters(), 4 * (64 + 8));
  EXPECT_EQ(attn.head_dim, 4);
  EXPECT_EQ(attn.type_name(), "NaturalAttention(d_model=8, n_heads=2)");
  NaturalAttention leaky({.d_model = 8, .n_heads = 2, .leaky = true}, rng);
  EXPECT_EQ(leaky.type_name(), "NaturalAttention(d_model=8, n_heads=2, leaky)");
  EXPECT_FALSE(attn.energies().defined());  // no forward pass yet
  Var x(Tensor::randn({3, 5, 8}, rng));
  Var a;
  EXPECT_EQ(attn.forward(x, &a).shape(), (Shape{3, 5, 8}));
  EXPECT_EQ(a.shape(), (Shape{3, 2, 5, 5}));
  EXPECT_EQ(attn.energies().shape(), (Shape{3, 2, 5, 5}));
  for (int64_t r = 0; r < 3 * 2 * 5; ++r) {  // every row of weights sums to 1
    real s = 0;
    for (int64_t j = 0; j < 5; ++j) s += a.value()[r * 5 + j];
    EXPECT_NEAR(s, 1, 1e-6);
  }
}

TEST(NaturalAttention, ValuesAndEnergiesByHand) {
  // x = [[1, 0], [0, 1]], Q = K = V = x, d_h = 2:  x xᵀ/√2 = [[0.70711, 0], [0, 0.70711]].
  //   causal E = [[0.70711, −inf], [0, 0.70711]]
  //   A row 0 = [1, 0];  row 1 = softmax(0, 0.70711) = [1, e^0.70711]/(1 + e^0.70711) = [0.33024, 0.66976]
  //   out = A V = A (V = I) = A.
  //   leaky: E = [[0.70711, 0], [0, 0.70711]], A row 0 = [0.66976, 0.33024].
  Rng rng(2);
  NaturalAttention attn({.d_model = 2, .n_heads = 1}, rng);
  make_identity(attn);
  Var x(Tensor::from({1, 0, 0, 1}, {1, 2, 2}));
  Var a;
  Var y = attn.forward(x, &a);
  const real r2 = 0.70710678f, lo = 0.33023845f, hi = 0.66976155f;
  const Tensor& e = attn.energies();
  EXPECT_NEAR(e[0], r2, 1e-6);
  EXPECT_EQ(e[1], -kInf);
  EXPECT_NEAR(e[2], 0, 1e-7);
  EXPECT_NEAR(e[3], r2, 1e-6);
  EXPECT_TRUE(allclose(a.value(), Tensor::from({1, 0, lo, hi}, {1, 1, 2, 2})));
  EXPECT_TRUE(allclose(y.value(), Tensor::from({1, 0, lo, hi}, {1, 2, 2})));

  NaturalAttention leaky({.d_model = 2, .n_heads = 1, .leaky = true}, rng);
  make_identity(leaky);
  Var al;
  leaky.forward(x, &al);
  EXPECT_TRUE(allclose(leaky.energies(), Tensor::from({r2, 0, 0, r2}, {1, 1, 2, 2})));
  EXPECT_TRUE(allclose(al.value(), Tensor::from({hi, lo, lo, hi}, {1, 1, 2, 2})));
}

TEST(NaturalAttention, EnergiesAreQKOverRootDhAndDetached) {
  Rng rng(3);
  NaturalAttention attn({.d_model = 6, .n_heads = 3}, rng);
  Var x = param(Tensor::randn({2, 4, 6}, rng));
  Var y = attn(x);
  Tensor e = attn.energies();
  // Recompute head 1 of batch 1 by hand from the projections: E_ij = q_i·k_j / √2 for j ≤ i.
  NoGrad ng;
  Tensor q = attn.wq(x).value(), k = attn.wk(x).value();
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 4; ++j) {
      real dot = 0;
      for (int64_t c = 2; c < 4; ++c) dot += q.at({1, i, c}) * k.at({1, j, c});
      const real got = e.at({1, 1, i, j});
      if (j > i)
        EXPECT_EQ(got, -kInf);
      else
        EXPECT_NEAR(got, dot / std::sqrt(2.0f), 1e-5);
    }
  // A plain tensor (no gradient), not the storage of the output; a new forward gives a new
  // tensor, so a handle taken earlier keeps the old values.
  EXPECT_FALSE(attn.energies().shares_storage_with(y.value()));
  Tensor before = attn.energies();
  const real first = before[0];
  attn(Var(Tensor::randn({2, 4, 6}, rng)));
  EXPECT_EQ(before[0], first);
  EXPECT_FALSE(attn.energies().shares_storage_with(before));
}

TEST(NaturalAttention, CausalUnlessLeaky) {
  Rng rng(4);
  NaturalAttention causal({.d_model = 4, .n_heads = 2}, rng);
  NaturalAttention leaky({.d_model = 4, .n_heads = 2, .leaky = true}, rng);
  Tensor x = Tensor::randn({1, 5, 4}, rng);
  Tensor x2 = x.clone();
  for (int64_t c = 0; c < 4; ++c) x2.at({0, 4, c}) += 1;  // change only the last token
  NoGrad ng;
  for (NaturalAttention* m : {&causal, &leaky}) {
    Tensor y = (*m)(Var(x)).value(), y2 = (*m)(Var(x2)).value();
    real diff_before_last = 0;
    for (int64_t i = 0; i < 4 * 4; ++i) diff_before_last = std::max(diff_before_last, std::fabs(y[i] - y2[i]));
    if (m == &causal)
      EXPECT_EQ(diff_before_last, 0) << "positions 0..3 must not see token 4";
    else
      EXPECT_GT(diff_before_last, 1e-4) << "the leaky variant reads the future";
  }
  // Leaky energies are all finite; causal ones have exactly 5·4/2 = 10 −inf per head.
  int64_t inf_count = 0;
  for (real e : causal.energies()) inf_count += std::isinf(e);
  EXPECT_EQ(inf_count, 2 * 10);
  for (real e : leaky.energies()) EXPECT_TRUE(std::isfinite(e));
}

TEST(NaturalAttention, Gradcheck) {
  Rng rng(5);
  for (bool leaky : {false, true}) {
    NaturalAttention attn({.d_model = 4, .n_heads = 2, .leaky = leaky}, rng);
    Var x = param(Tensor::randn({2, 3, 4}, rng));
    std::vector<Var> inputs = {x};
    for (const Var& p : attn.parameters()) inputs.push_back(p);
    auto r = gradcheck([&](const std::vector<Var>& v) { return attn(v[0]); }, inputs);
    EXPECT_TRUE(r.ok) << r.report;
  }
}

TEST(NaturalAttention, BadInput) {
  Rng rng(6);
  try {
    NaturalAttention bad({.d_model = 6, .n_heads = 4}, rng);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "NaturalAttention: d_model=6 must be a positive multiple of n_heads=4");
  }
  EXPECT_THROW(NaturalAttention({.d_model = 0, .n_heads = 1}, rng), Error);
  NaturalAttention attn({.d_model = 4, .n_heads = 2}, rng);
  try {
    attn(Var(Tensor::zeros({2, 3, 5})));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "NaturalAttention: input [2, 3, 5] is not [B, L, d_model] with d_model=4");
  }
  EXPECT_THROW(attn(Var(Tensor::zeros({3, 4}))), Error);
}

// One training step of a tiny block (attention + a linear readout) with AttentionInformedAdamW:
// the attention's parameters form the group fed by the module's energies, the readout is
// ungrouped. The gain must come from mean |E| over the causal (finite) entries only.
TEST(NaturalAttention, FeedsTheAttentionInformedOptimizer) {
  const double lr = 1e-3, decay = 0.01, s = 0.1, eps = 1e-8;
  for (EnergyGainMode mode : {EnergyGainMode::ScaleGradient, EnergyGainMode::ScaleUpdate}) {
    Rng rng(7);
    NaturalAttention attn({.d_model = 4, .n_heads = 2}, rng);
    Linear readout(4, 1, rng);
    AttentionInformedAdamW opt({{"blocks.0", attn.parameters(), attn.energy_source()}}, readout.parameters(),
                               {.mode = mode});
    backward(mean(square(readout(attn(Var(Tensor::randn({2, 3, 4}, rng)))))));

    // ē by hand over the causal entries j ≤ i only: B·H·L(L+1)/2 = 2·2·6 = 24 of them.
    const Tensor& e = attn.energies();
    double total = 0;
    int64_t count = 0;
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t h = 0; h < 2; ++h)
        for (int64_t i = 0; i < 3; ++i)
          for (int64_t j = 0; j < 3; ++j) {
            if (j > i) {
              EXPECT_EQ(e.at({b, h, i, j}), -kInf);
              continue;
            }
            total += std::fabs(e.at({b, h, i, j}));
            ++count;
          }
    ASSERT_EQ(count, 24);
    const double mean_e = total / double(count), t = std::tanh(s * mean_e);
    const bool on_grad = mode == EnergyGainMode::ScaleGradient;
    const double gain = on_grad ? 1 + t : 1 + 0.5 * t;

    const Tensor w0 = attn.wq.weight.value().clone(), gw = attn.wq.weight.grad().clone();
    const Tensor r0 = readout.weight.value().clone(), gr = readout.weight.grad().clone();
    opt.step();
    EXPECT_NEAR(opt.last_mean_energies()[0], mean_e, 1e-5);
    EXPECT_NEAR(opt.last_gains()[0], gain, 1e-6);
    // AdamW's first step, written out: m̂ = γg and v̂ = γ²g² give u = γg/(γ|g| + ε), with γ the
    // gradient gain; ScaleUpdate multiplies u instead. θ₁ = θ₀ − lr·λ·θ₀ − lr·u.
    auto expected = [&](double theta, double g, double grad_gain, double update_gain) {
      const double u = update_gain * grad_gain * g / (grad_gain * std::fabs(g) + eps);
      return theta - lr * decay * theta - lr * u;
    };
    for (int64_t i = 0; i < w0.numel(); ++i)
      EXPECT_NEAR(attn.wq.weight.value()[i], expected(w0[i], gw[i], on_grad ? gain : 1, on_grad ? 1 : gain), 1e-7);
    for (int64_t i = 0; i < r0.numel(); ++i)  // ungrouped: no gain
      EXPECT_NEAR(readout.weight.value()[i], expected(r0[i], gr[i], 1, 1), 1e-7);
    if (on_grad) {  // the measured point: Adam cancels a constant gradient gain, so the step is ±lr
      for (int64_t i = 0; i < w0.numel(); ++i)
        EXPECT_NEAR(std::fabs(attn.wq.weight.value()[i] - (1 - lr * decay) * w0[i]), lr, 1e-6);
    }
  }
}

}  // namespace
}  // namespace atn
