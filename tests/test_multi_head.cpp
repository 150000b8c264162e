// MultiHeadAttention (nn/attention/multi_head.h): names and parameter counts (the course's
// full-width heads vs split heads), values by hand, every variant against a plain-loop
// reference, gradients, masks, causality, permutation equivariance, GQA, dropout, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "nn/attention/multi_head.h"
#include "tensor/elementwise.h"
#include "tensor/reduce.h"

namespace atn {
namespace {

using Vars = std::vector<Var>;
using Config = MultiHeadAttentionConfig;

// The tape is thread-local and these tests run forwards that are never differentiated.
class MultiHead : public ::testing::Test {
 protected:
  void TearDown() override { Tape::current().clear(); }
};

// ---- A reference written with plain loops in double, straight from the formulas ----------

// x [B, T, in] · Wᵀ + b → [B·T·out] flat.
std::vector<double> project(const Linear& lin, const Tensor& x) {
  const int64_t rows = x.numel() / lin.in_features, in = lin.in_features, out = lin.out_features;
  std::vector<double> y(size_t(rows * out));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double s = lin.bias.defined() ? double(lin.bias.value()[o]) : 0.0;
      for (int64_t i = 0; i < in; ++i) s += double(x[r * in + i]) * double(lin.weight.value()[o * in + i]);
      y[size_t(r * out + o)] = s;
    }
  return y;
}

// RoPE on one head vector at position p, pairs (2i, 2i+1) rotated by p·base^(−2i/dh).
void rotate(double* v, int64_t dh, int64_t p, double base) {
  for (int64_t i = 0; i < dh / 2; ++i) {
    const double a = double(p) * std::pow(base, -2.0 * double(i) / double(dh));
    const double x0 = v[2 * i], x1 = v[2 * i + 1];
    v[2 * i] = x0 * std::cos(a) - x1 * std::sin(a);
    v[2 * i + 1] = x0 * std::sin(a) + x1 * std::cos(a);
  }
}

struct Reference {
  Tensor output, weights;  // [B, Tq, d], [B, H, Tq, Tk]
};

// mask: undefined or broadcastable to [B, H, Tq, Tk] (1 = may attend).
Reference reference(const MultiHeadAttention& m, const Tensor& xq, const Tensor& xkv, const Tensor& mask, bool causal) {
  const Config& c = m.config;
  const int64_t B = xq.size(0), Tq = xq.size(1), Tk = xkv.size(1), H = m.n_heads, G = H / m.n_kv_heads, dh = m.d_head;
  const Tensor allowed = mask.defined() ? mul(mask, Tensor::ones({B, H, Tq, Tk})) : Tensor::ones({B, H, Tq, Tk});
  std::vector<double> Q = project(m.wq, xq), K = project(m.wk, xkv), V = project(m.wv, xkv);
  const int64_t qw = H * dh, kw = m.n_kv_heads * dh;  // row widths of Q and K/V
  if (c.positions == AttentionPositions::RoPE) {
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t t = 0; t < Tq; ++t)
        for (int64_t h = 0; h < H; ++h) rotate(&Q[size_t((b * Tq + t) * qw + h * dh)], dh, t, c.rope_base);
      for (int64_t t = 0; t < Tk; ++t)
        for (int64_t h = 0; h < m.n_kv_heads; ++h) rotate(&K[size_t((b * Tk + t) * kw + h * dh)], dh, t, c.rope_base);
    }
  }
  const std::vector<real> slopes = ALiBi::slopes_for(H);
  const int64_t kmax = c.max_relative_position;
  auto table = [&](const Var& t, int64_t i, int64_t j, int64_t col) {  // Shaw row clip(j − i) + k
    return double(t.value()[(std::clamp(j - i, -kmax, kmax) + kmax) * dh + col]);
  };
  Tensor weights({B, H, Tq, Tk});
  std::vector<double> heads(size_t(B * Tq * qw), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      const int64_t g = h / G;  // this query head's K/V head
      for (int64_t i = 0; i < Tq; ++i) {
        const double* q = &Q[size_t((b * Tq + i) * qw + h * dh)];
        std::vector<double> s(static_cast<size_t>(Tk));
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < Tk; ++j) {
          const double* k = &K[size_t((b * Tk + j) * kw + g * dh)];
          double e = 0;
          for (int64_t col = 0; col < dh; ++col) {
            e += q[col] * k[col];
            if (m.rel_pos) e += q[col] * table(m.rel_pos->key_table, i, j, col);
          }
          e /= std::sqrt(double(dh));
          if (m.alibi) e -= double(slopes[size_t(h)]) * double(std::abs(i - j));
          const bool ok = allowed[((b * H + h) * Tq + i) * Tk + j] != 0 && !(causal && j > i);
          s[size_t(j)] = ok ? e : -std::numeric_limits<double>::infinity();
          mx = std::max(mx, s[size_t(j)]);
        }
        if (mx == -std::numeric_limits<double>::infinity()) continue;  // nothing to attend: zeros
        double z = 0;
        for (double& e : s) z += (e = std::exp(e - mx));
        for (int64_t j = 0; j < Tk; ++j) {
          const double a = s[size_t(j)] / z;
          weights[((b * H + h) * Tq + i) * Tk + j] = real(a);
          for (int64_t col = 0; col < dh; ++col) {
            double vv = V[size_t((b * Tk + j) * kw + g * dh + col)];
            if (m.rel_pos) vv += table(m.rel_pos->value_table, i, j, col);
            heads[size_t((b * Tq + i) * qw + h * dh + col)] += a * vv;
          }
        }
      }
    }
  Tensor heads_t({B, Tq, qw});
  for (size_t i = 0; i < heads.size(); ++i) heads_t[int64_t(i)] = real(heads[i]);
  const std::vector<double> out = project(m.wo, heads_t);
  Tensor output({B, Tq, c.d_model});
  for (size_t i = 0; i < out.size(); ++i) output[int64_t(i)] = real(out[i]);
  return {output, weights};
}

void set_identity(Linear& lin) {
  Tensor w({lin.out_features, lin.in_features});
  for (int64_t i = 0; i < std::min(lin.out_features, lin.in_features); ++i) w.at({i, i}) = 1;
  lin.weight.value().copy_from(w);
  if (lin.bias.defined()) lin.bias.value().fill(0);
}

// ---- Tests ------------------------------------------------------------------------------

TEST_F(MultiHead, CourseFullWidthHeadsParameterCount) {
  Rng rng(1);
  const int64_t d = 4, h = 3;
  // The course's heads: each maps d → d with no bias (Q, K, V); the output maps h·d → d with a bias.
  MultiHeadAttention m({.d_model = d, .n_heads = h, .head_style = HeadStyle::FullWidth, .qkv_bias = false}, rng);
  EXPECT_EQ(m.d_head, d);
  EXPECT_EQ(m.num_parameters(), h * 3 * d * d + h * d * d + d);  // 144 + 48 + 4 = 196
  EXPECT_EQ(m.num_parameters(), 196);
  const auto named = m.named_parameters();
  ASSERT_EQ(named.size(), 5u);
  EXPECT_EQ(named[0].first, "wq.weight");
  EXPECT_EQ(named[0].second.shape(), (Shape{h * d, d}));
  EXPECT_EQ(named[1].first, "wk.weight");
  EXPECT_EQ(named[2].first, "wv.weight");
  EXPECT_EQ(named[3].first, "wo.weight");
  EXPECT_EQ(named[3].second.shape(), (Shape{d, h * d}));
  EXPECT_EQ(named[4].first, "wo.bias");
  EXPECT_EQ(m.type_name(), "MultiHeadAttention(d_model=4, heads=3, d_head=4, full-width)");
}

TEST_F(MultiHead, SplitAndGroupedParameterCounts) {
  Rng rng(2);
  const int64_t d = 8;
  MultiHeadAttention split({.d_model = d, .n_heads = 2}, rng);
  EXPECT_EQ(split.d_head, 4);
  EXPECT_EQ(split.num_parameters(), 4 * d * d + 4 * d);  // 288, whatever the number of heads
  EXPECT_EQ(split.named_parameters()[1].first, "wq.bias");
  // GQA, 4 query heads of 2 dims sharing 2 K/V heads: wk and wv map 8 → 2·2 = 4.
  MultiHeadAttention gqa({.d_model = d, .n_heads = 4, .n_kv_heads = 2}, rng);
  EXPECT_EQ(gqa.wk.weight.shape(), (Shape{4, d}));
  EXPECT_EQ(gqa.num_parameters(), (64 + 8) + 2 * (32 + 4) + (64 + 8));
  EXPECT_EQ(gqa.type_name(), "MultiHeadAttention(d_model=8, heads=4, kv_heads=2, d_head=2)");
  // Shaw adds two tables [2k+1, d_head], shared by the heads.
  MultiHeadAttention shaw(
      {.d_model = d, .n_heads = 2, .positions = AttentionPositions::Shaw, .max_relative_position = 3}, rng);
  EXPECT_EQ(shaw.num_parameters(), 288 + 2 * 7 * 4);
  EXPECT_EQ(shaw.named_parameters().back().first, "rel_pos.value_table");
}

TEST_F(MultiHead, OneHeadByHand) {
  Rng rng(3);
  MultiHeadAttention m({.d_model = 2, .n_heads = 1}, rng);
  for (Linear* l : {&m.wq, &m.wk, &m.wv, &m.wo}) set_identity(*l);
  // q = k = v = x = [[1, 0], [0, 1]]; scores x·xᵀ/√2 = [[0.7071, 0], [0, 0.7071]];
  // row 0: softmax = [σ, 1 − σ], σ = 1/(1 + e^−0.7071) = 0.66976; out_0 = [0.66976, 0.33024].
  const Var x(Tensor::from({1, 0, 0, 1}, {1, 2, 2}));
  const AttentionOutput r = m.forward(x, Tensor(), true);
  EXPECT_TRUE(allclose(r.output.value(), Tensor::from({0.66976f, 0.33024f, 0.33024f, 0.66976f}, {1, 2, 2}), 0, 1e-5f));
  EXPECT_TRUE(
      allclose(r.weights.value(), Tensor::from({0.66976f, 0.33024f, 0.33024f, 0.66976f}, {1, 1, 2, 2}), 0, 1e-5f));
  // Causal: token 0 sees only itself, weight 1, output x_0 = [1, 0]; row 1 is unchanged.
  const AttentionOutput c = m.forward(x, Tensor::from({1, 0, 1, 1}, {2, 2}));
  EXPECT_TRUE(allclose(c.output.value(), Tensor::from({1, 0, 0.33024f, 0.66976f}, {1, 2, 2}), 0, 1e-5f));
  EXPECT_FALSE(c.weights.defined());  // not requested
}

TEST_F(MultiHead, TwoSplitHeadsByHand) {
  Rng rng(4);
  MultiHeadAttention m({.d_model = 2, .n_heads = 2}, rng);
  for (Linear* l : {&m.wq, &m.wk, &m.wv, &m.wo}) set_identity(*l);
  // d_head = 1: head 0 sees coordinate 0, head 1 coordinate 1; scale 1/√1. x = [[1, 0], [0, 1]].
  // Head 0: q = k = v = [1, 0]: scores [[1, 0], [0, 0]] → rows [0.73106, 0.26894], [0.5, 0.5]
  //   → outputs 0.73106, 0.5.  Head 1: q = k = v = [0, 1]: scores [[0, 0], [0, 1]]
  //   → rows [0.5, 0.5], [0.26894, 0.73106] → outputs 0.5, 0.73106.
  const AttentionOutput r = m.forward(Var(Tensor::from({1, 0, 0, 1}, {1, 2, 2})), Tensor(), true);
  EXPECT_TRUE(allclose(r.output.value(), Tensor::from({0.73106f, 0.5f, 0.5f, 0.73106f}, {1, 2, 2}), 0, 1e-5f));
  EXPECT_TRUE(allclose(r.weights.value(),
                       Tensor::from({0.73106f, 0.26894f, 0.5f, 0.5f, 0.5f, 0.5f, 0.26894f, 0.73106f}, {1, 2, 2, 2}), 0,
                       1e-5f));
}

struct Case {
  const char* name;
  Config config;
  int64_t Tk;  // 0 = self-attention
  bool padding_mask;
};

// Small shapes; B = 2, Tq = 3, d = 4. The padding mask blocks the last key of batch element 1.
std::vector<Case> cases() {
  using P = AttentionPositions;
  return {
      {"split", {.d_model = 4, .n_heads = 2}, 0, false},
      {"full-width", {.d_model = 4, .n_heads = 2, .head_style = HeadStyle::FullWidth, .qkv_bias = false}, 0, false},
      {"cross Tq != Tk", {.d_model = 4, .n_heads = 2}, 5, false},
      {"GQA 2 of 4", {.d_model = 4, .n_heads = 4, .n_kv_heads = 2}, 0, false},
      {"MQA causal", {.d_model = 4, .n_heads = 2, .n_kv_heads = 1, .causal = true}, 0, false},
      {"RoPE", {.d_model = 4, .n_heads = 2, .positions = P::RoPE}, 0, false},
      {"ALiBi causal", {.d_model = 4, .n_heads = 2, .positions = P::ALiBi, .causal = true}, 0, false},
      {"Shaw", {.d_model = 4, .n_heads = 2, .positions = P::Shaw, .max_relative_position = 1}, 0, false},
      {"padding mask", {.d_model = 4, .n_heads = 2}, 4, true},
  };
}

Tensor padding_mask(int64_t B, int64_t Tk) {
  Tensor m = Tensor::ones({B, 1, 1, Tk});
  m[(B - 1) * Tk + Tk - 1] = 0;
  return m;
}

TEST_F(MultiHead, MatchesLoopReference) {
  for (const Case& c : cases()) {
    Rng rng(5);
    MultiHeadAttention m(c.config, rng);
    const Tensor xq = Tensor::randn({2, 3, 4}, rng);
    const Tensor xkv = c.Tk ? Tensor::randn({2, c.Tk, 4}, rng) : xq;
    const Tensor mask = c.padding_mask ? padding_mask(2, xkv.size(1)) : Tensor();
    NoGrad no_grad;
    const AttentionOutput r = c.Tk ? m.forward(Var(xq), Var(xkv), mask, true) : m.forward(Var(xq), mask, true);
    const Reference ref = reference(m, xq, xkv, mask, c.config.causal);
    EXPECT_LT(max_abs_diff(r.output.value(), ref.output), 1e-5) << c.name;
    EXPECT_LT(max_abs_diff(r.weights.value(), ref.weights), 1e-6) << c.name;
  }
}

TEST_F(MultiHead, GradcheckInputsAndEveryParameter) {
  for (const Case& c : cases()) {
    Rng rng(6);
    MultiHeadAttention m(c.config, rng);
    Vars inputs{param(Tensor::randn({2, 3, 4}, rng))};
    if (c.Tk) inputs.push_back(param(Tensor::randn({2, c.Tk, 4}, rng)));
    for (const Var& p : m.parameters()) inputs.push_back(p);
    const Tensor mask = c.padding_mask ? padding_mask(2, c.Tk) : Tensor();
    const bool cross = c.Tk != 0;
    const auto r = gradcheck(
        [&](const Vars& v) { return cross ? m.forward(v[0], v[1], mask).output : m.forward(v[0], mask).output; },
        inputs);
    EXPECT_TRUE(r.ok) << c.name << "\n" << r.report;
  }
}

TEST_F(MultiHead, WeightRowsSumToOneAndFullyMaskedRowsAreZero) {
  Rng rng(7);
  MultiHeadAttention m({.d_model = 6, .n_heads = 3, .positions = AttentionPositions::ALiBi}, rng);
  // Query 1 may attend to nothing; the others to various subsets.
  const Tensor mask = Tensor::from({1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1}, {4, 4});
  NoGrad no_grad;
  const AttentionOutput r = m.forward(Var(Tensor::randn({2, 4, 6}, rng)), mask, true);
  const Tensor& w = r.weights.value();
  ASSERT_EQ(w.shape(), (Shape{2, 3, 4, 4}));
  for (int64_t row = 0; row < 2 * 3 * 4; ++row) {
    double s = 0;
    for (int64_t j = 0; j < 4; ++j) {
      s += w[row * 4 + j];
      if (mask[(row % 4) * 4 + j] == 0) {
        EXPECT_EQ(w[row * 4 + j], 0);  // blocked pairs: exactly 0
      }
    }
    EXPECT_NEAR(s, row % 4 == 1 ? 0.0 : 1.0, 1e-6) << "row " << row;
  }
  // The query that attends to nothing mixes no values: its output is wo's bias alone.
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t c = 0; c < 6; ++c) EXPECT_FLOAT_EQ(r.output.value().at({b, 1, c}), m.wo.bias.value()[c]);
}

TEST_F(MultiHead, CausalOutputIgnoresTheFuture) {
  Rng rng(8);
  MultiHeadAttention m({.d_model = 4, .n_heads = 2, .positions = AttentionPositions::Shaw, .causal = true}, rng);
  Tensor x = Tensor::randn({1, 5, 4}, rng);
  NoGrad no_grad;
  const Tensor before = m.forward(Var(x)).output.value().clone();
  for (int64_t c = 0; c < 4; ++c) x.at({0, 3, c}) += 1;  // change token 3 only
  const Tensor after = m.forward(Var(x)).output.value();
  for (int64_t t = 0; t < 5; ++t) {
    double diff = 0;
    for (int64_t c = 0; c < 4; ++c)
      diff = std::max(diff, double(std::fabs(after.at({0, t, c}) - before.at({0, t, c}))));
    if (t < 3) {
      EXPECT_EQ(diff, 0) << "position " << t;  // the past cannot see token 3
    } else {
      EXPECT_GT(diff, 1e-4) << "position " << t;  // 3 and 4 do
    }
  }
}

TEST_F(MultiHead, WithoutPositionsSelfAttentionIsPermutationEquivariant) {
  Rng rng(9);
  MultiHeadAttention m({.d_model = 4, .n_heads = 2, .n_kv_heads = 1}, rng);
  const int64_t T = 5;
  const Tensor x = Tensor::randn({1, T, 4}, rng);
  const std::vector<int64_t> perm{3, 0, 4, 1, 2};
  Tensor px({1, T, 4});
  for (int64_t t = 0; t < T; ++t)
    for (int64_t c = 0; c < 4; ++c) px.at({0, t, c}) = x.at({0, perm[size_t(t)], c});
  NoGrad no_grad;
  const Tensor y = m.forward(Var(x)).output.value().clone();
  const Tensor py = m.forward(Var(px)).output.value();
  for (int64_t t = 0; t < T; ++t)  // permuting the tokens permutes the outputs the same way
    for (int64_t c = 0; c < 4; ++c) EXPECT_NEAR(py.at({0, t, c}), y.at({0, perm[size_t(t)], c}), 1e-5);
  // With RoPE the order matters: the same check fails.
  MultiHeadAttention r({.d_model = 4, .n_heads = 2, .positions = AttentionPositions::RoPE}, rng);
  const Tensor ry = r.forward(Var(x)).output.value().clone();
  const Tensor rpy = r.forward(Var(px)).output.value();
  double worst = 0;
  for (int64_t t = 0; t < T; ++t)
    for (int64_t c = 0; c < 4; ++c)
      worst = std::max(worst, double(std::fabs(rpy.at({0, t, c}) - ry.at({0, perm[size_t(t)], c}))));
  EXPECT_GT(worst, 1e-3);
}

TEST_F(MultiHead, GroupedQueryAttentionIsMultiHeadWithSharedKeysAndValues) {
  Rng rng(10);
  const Tensor x = Tensor::randn({2, 3, 8}, rng);
  // n_kv_heads = n_heads is plain multi-head attention.
  MultiHeadAttention mha({.d_model = 8, .n_heads = 4}, rng);
  MultiHeadAttention same({.d_model = 8, .n_heads = 4, .n_kv_heads = 4}, rng);
  same.load_state_dict(mha.state_dict());
  NoGrad no_grad;
  EXPECT_TRUE(allclose(same.forward(Var(x)).output.value(), mha.forward(Var(x)).output.value(), 0, 0));
  // GQA with 2 K/V heads for 4 query heads (d_head = 2) equals MHA whose K/V heads 2g and 2g+1
  // are both copies of GQA's head g: query heads 0, 1 share K/V head 0; 2, 3 share head 1.
  MultiHeadAttention gqa({.d_model = 8, .n_heads = 4, .n_kv_heads = 2}, rng);
  StateDict s = mha.state_dict();
  for (const char* name : {"wq", "wo"})
    for (const char* part : {".weight", ".bias"})
      s[std::string(name) + part].copy_from(gqa.state_dict()[std::string(name) + part]);
  for (const char* name : {"wk", "wv"}) {
    const Tensor w = gqa.state_dict()[std::string(name) + ".weight"], b = gqa.state_dict()[std::string(name) + ".bias"];
    Tensor& mw = s[std::string(name) + ".weight"];
    Tensor& mb = s[std::string(name) + ".bias"];
    for (int64_t h = 0; h < 4; ++h)  // MHA row h·2 + c ← GQA row (h/2)·2 + c
      for (int64_t c = 0; c < 2; ++c) {
        for (int64_t i = 0; i < 8; ++i) mw.at({h * 2 + c, i}) = w.at({(h / 2) * 2 + c, i});
        mb[h * 2 + c] = b[(h / 2) * 2 + c];
      }
  }
  const AttentionOutput g = gqa.forward(Var(x), Tensor(), true);
  const AttentionOutput r = mha.forward(Var(x), Tensor(), true);
  EXPECT_LT(max_abs_diff(g.output.value(), r.output.value()), 1e-6);
  EXPECT_LT(max_abs_diff(g.weights.value(), r.weights.value()), 1e-6);
}

TEST_F(MultiHead, DropoutOnTheWeightsOnlyInTraining) {
  Rng rng(11);
  MultiHeadAttention m({.d_model = 4, .n_heads = 2, .dropout = 0.5f}, rng);
  const Var x(Tensor::randn({2, 6, 4}, rng));
  NoGrad no_grad;
  const AttentionOutput a = m.forward(x, Tensor(), true);
  const Tensor first = a.output.value().clone();
  const Tensor second = m.forward(x).output.value().clone();
  EXPECT_GT(max_abs_diff(first, second), 1e-3);  // new masks each call
  // The returned weights are the softmax before dropout: rows still sum to 1.
  EXPECT_TRUE(allclose(sum(a.weights.value(), -1), Tensor::ones({2, 2, 6}), 0, 1e-5f));
  m.eval();
  const Tensor e1 = m.forward(x).output.value().clone();
  EXPECT_TRUE(allclose(e1, m.forward(x).output.value(), 0, 0));
  m.train();
  EXPECT_GT(max_abs_diff(e1, m.forward(x).output.value()), 1e-3);
}

TEST_F(MultiHead, Errors) {
  Rng rng(12);
  EXPECT_THROW(MultiHeadAttention({.d_model = 6, .n_heads = 4}, rng), Error);  // 4 does not divide 6
  EXPECT_NO_THROW(MultiHeadAttention({.d_model = 6, .n_heads = 4, .head_style = HeadStyle::FullWidth}, rng));
  EXPECT_THROW(MultiHeadAttention({.d_model = 8, .n_heads = 4, .n_kv_heads = 3}, rng), Error);
  EXPECT_THROW(MultiHeadAttention({.d_model = 0, .n_heads = 1}, rng), Error);
  EXPECT_THROW(MultiHeadAttention({.d_model = 4, .n_heads = 1, .dropout = 1}, rng), Error);
  EXPECT_THROW(MultiHeadAttention({.d_model = 6, .n_heads = 2, .positions = AttentionPositions::RoPE}, rng), Error);
  try {
    MultiHeadAttention({.d_model = 8, .n_heads = 4, .n_kv_heads = 3}, rng);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "MultiHeadAttention: n_kv_heads=3 does not divide n_heads=4 (each K/V head serves a whole group of "
                 "query heads)");
  }

  MultiHeadAttention m({.d_model = 4, .n_heads = 2}, rng);
  const Var x(Tensor::randn({2, 3, 4}, rng));
  EXPECT_THROW(m.forward(Var(Tensor::randn({2, 3, 5}, rng))), Error);       // wrong d
  EXPECT_THROW(m.forward(Var(Tensor::randn({3, 4}, rng))), Error);          // no batch axis
  EXPECT_THROW(m.forward(x, Var(Tensor::randn({3, 5, 4}, rng))), Error);    // batch mismatch
  EXPECT_THROW(m.forward(x, Var(Tensor::randn({2, 5, 3}, rng))), Error);    // key_value d
  EXPECT_THROW(m.forward(x, Var(x.value()), Tensor::ones({3, 5})), Error);  // mask [Tq, Tk] wrong Tk
  EXPECT_THROW(m.forward(x, Var(Tensor::randn({2, 5, 4}, rng)), Tensor::ones({3, 3})), Error);  // Tk = 5
  EXPECT_THROW(m.forward(x, Tensor::ones({1, 1, 1, 1, 3})), Error);                             // 5 axes
  EXPECT_THROW(m.forward(x, Tensor::ones({3, 1, 1, 3})), Error);                                // B = 3 vs 2
  EXPECT_NO_THROW(m.forward(x, Tensor::ones({2, 1, 1, 3})));                                    // padding mask
  try {
    m.forward(x, Tensor::ones({3, 4}));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "MultiHeadAttention: mask [3, 4] does not broadcast to the scores [B, H, Tq, Tk] = [2, 2, 3, 3]");
  }
}

}  // namespace
}  // namespace atn
