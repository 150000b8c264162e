// Score functions (scores.h), single-head self-attention (self_attention.h) and collaborative
// heads (collaborative.h): hand-computed values, the properties the lessons show, gradients, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "autograd/tape.h"
#include "nn/attention/collaborative.h"
#include "nn/attention/masks.h"
#include "nn/attention/self_attention.h"
#include "tensor/reduce.h"

namespace atn {
namespace {

// Forward passes through modules record on the thread-local tape; clear it after each test so
// no test leaves entries behind for the next one.
struct CleanTape : ::testing::Test {
  void TearDown() override { Tape::current().clear(); }
};
struct ScoresTest : CleanTape {};
struct SelfAttentionTest : CleanTape {};
struct CollaborativeTest : CleanTape {};

Var randn_param(Shape shape, Rng& rng) { return param(Tensor::randn(std::move(shape), rng)); }

// Every row along the last axis sums to 1.
void expect_rows_sum_to_one(const Tensor& weights, real tol = 1e-5f) {
  Tensor s = sum(weights, -1);
  for (real v : s) EXPECT_NEAR(v, 1, tol);
}

void load(Linear& layer, std::vector<real> values) { layer.weight.value().copy_from(Tensor::from(std::move(values))); }

// ---------------------------------------------------------------------------------------------
// Score functions on two keys, by hand. q = [1, 0]; k1 = [1, 1], k2 = [0, 2]; values = I.
// With values = I the context equals the weights, so each check covers both.
struct TwoKeys {
  Var q{Tensor::from({1, 0}, {1, 2})};
  Var keys{Tensor::from({1, 1, 0, 2}, {1, 2, 2})};
  Var values{Tensor::from({1, 0, 0, 1}, {1, 2, 2})};
};

// softmax([a, b]) = [1, e^{b−a}] / (1 + e^{b−a})
std::vector<real> softmax2(double a, double b) {
  const double e = std::exp(b - a);
  return {real(1 / (1 + e)), real(e / (1 + e))};
}

void expect_near(const Tensor& t, const std::vector<real>& want, real tol = 1e-5f) {
  ASSERT_EQ(t.numel(), int64_t(want.size()));
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(t[int64_t(i)], want[i], tol) << "element " << i;
}

TEST_F(ScoresTest, DotAndScaledDotByHand) {
  TwoKeys ex;
  DotScore dot;
  // q·k1 = 1, q·k2 = 0.
  expect_near(dot.scores(ex.q, ex.keys).value(), {1, 0});
  auto [c, a] = dot(ex.q, ex.keys, ex.values);
  EXPECT_EQ(a.shape(), (Shape{1, 2}));
  EXPECT_EQ(c.shape(), (Shape{1, 2}));
  expect_near(a.value(), softmax2(1, 0));
  expect_near(c.value(), softmax2(1, 0));
  // Scaled by 1/√2.
  ScaledDotScore scaled;
  expect_near(scaled.scores(ex.q, ex.keys).value(), {real(1 / std::sqrt(2.0)), 0});
  expect_near(scaled(ex.q, ex.keys, ex.values).context.value(), softmax2(1 / std::sqrt(2.0), 0));
  EXPECT_EQ(dot.num_parameters(), 0);
}

TEST_F(ScoresTest, GeneralByHand) {
  TwoKeys ex;
  Rng rng(1);
  GeneralScore general(2, 2, rng);
  EXPECT_EQ(general.named_parameters()[0].first, "w.weight");
  EXPECT_EQ(general.w.weight.shape(), (Shape{2, 2}));
  // W = [[1, 2], [0, 1]]: W k1 = [3, 1], W k2 = [4, 2]; q·W k = 3 and 4.
  load(general.w, {1, 2, 0, 1});
  expect_near(general.scores(ex.q, ex.keys).value(), {3, 4});
  expect_near(general(ex.q, ex.keys, ex.values).weights.value(), softmax2(3, 4));
  EXPECT_EQ(general.type_name(), "GeneralScore(2, 2)");
}

TEST_F(ScoresTest, AdditiveByHand) {
  TwoKeys ex;
  Rng rng(2);
  AdditiveScore additive(2, 2, 2, rng);
  auto named = additive.named_parameters();
  ASSERT_EQ(named.size(), 3u);
  EXPECT_EQ(named[0].first, "wq.weight");
  EXPECT_EQ(named[1].first, "wk.weight");
  EXPECT_EQ(named[2].first, "v.weight");
  // W_q = I, W_k = diag(1, −1), v = [1, 2]. W_q q = [1, 0].
  // k1: W_k k1 = [1, −1] → tanh([2, −1]) → score tanh 2 − 2 tanh 1.
  // k2: W_k k2 = [0, −2] → tanh([1, −2]) → score tanh 1 − 2 tanh 2.
  load(additive.wq, {1, 0, 0, 1});
  load(additive.wk, {1, 0, 0, -1});
  load(additive.v, {1, 2});
  const double s1 = std::tanh(2.0) - 2 * std::tanh(1.0), s2 = std::tanh(1.0) - 2 * std::tanh(2.0);
  expect_near(additive.scores(ex.q, ex.keys).value(), {real(s1), real(s2)});
  expect_near(additive(ex.q, ex.keys, ex.values).context.value(), softmax2(s1, s2));
  EXPECT_EQ(additive.type_name(), "AdditiveScore(2, 2, 2)");
}

TEST_F(ScoresTest, MaskAndQueryLayouts) {
  TwoKeys ex;
  DotScore dot;
  // Hiding key 0 leaves all the weight on key 1, so the context is v2 = [0, 1].
  auto [c, a] = dot(ex.q, ex.keys, ex.values, Tensor::from({0, 1}, {1, 2}));
  expect_near(a.value(), {0, 1});
  expect_near(c.value(), {0, 1});
  // Several queries at once [B, Tq, dq] give the same rows as one query at a time.
  Rng rng(3);
  AdditiveScore additive(3, 4, 5, rng);
  Var q = Var(Tensor::randn({2, 3, 3}, rng)), k = Var(Tensor::randn({2, 4, 4}, rng)),
      v = Var(Tensor::randn({2, 4, 2}, rng));
  auto [ctx, w] = additive(q, k, v);
  ASSERT_EQ(ctx.shape(), (Shape{2, 3, 2}));
  ASSERT_EQ(w.shape(), (Shape{2, 3, 4}));
  expect_rows_sum_to_one(w.value());
  auto [ctx1, w1] = additive(Var(narrow(q.value(), 1, 2, 1).reshape({2, 3})), k, v);  // query 2 alone
  EXPECT_LT(max_abs_diff(ctx1.value(), narrow(ctx.value(), 1, 2, 1).reshape({2, 2})), 1e-6f);
  EXPECT_LT(max_abs_diff(w1.value(), narrow(w.value(), 1, 2, 1).reshape({2, 4})), 1e-6f);
}

TEST_F(ScoresTest, Gradcheck) {
  Rng rng(4);
  DotScore dot;
  ScaledDotScore scaled;
  GeneralScore general(3, 4, rng);
  AdditiveScore additive(3, 4, 5, rng);
  const Tensor mask = Tensor::from({1, 1, 0, 1, 1, 0, 1, 1}, {2, 4});  // [B, T]: one hidden key each
  for (Shape qs : {Shape{2, 3}, Shape{2, 2, 3}}) {
    Var q = randn_param(qs, rng), v = randn_param({2, 4, 2}, rng);
    Var k3 = randn_param({2, 4, 3}, rng), k4 = randn_param({2, 4, 4}, rng);
    const Tensor m = qs.size() == 2 ? mask : mask.reshape({2, 1, 4});
    for (ScoreFunction* f : std::vector<ScoreFunction*>{&dot, &scaled}) {
      auto r =
          gradcheck([&](const std::vector<Var>& in) { return f->forward(in[0], in[1], in[2], m).context; }, {q, k3, v});
      EXPECT_TRUE(r.ok) << f->type_name() << "\n" << r.report;
    }
    for (ScoreFunction* f : std::vector<ScoreFunction*>{&general, &additive}) {
      std::vector<Var> inputs = {q, k4, v};
      for (const Var& p : f->parameters()) inputs.push_back(p);
      auto r =
          gradcheck([&](const std::vector<Var>& in) { return f->forward(in[0], in[1], in[2], m).context; }, inputs);
      EXPECT_TRUE(r.ok) << f->type_name() << "\n" << r.report;
    }
  }
}

TEST_F(ScoresTest, BadInput) {
  Rng rng(5);
  DotScore dot;
  GeneralScore general(3, 4, rng);
  Var q(Tensor::zeros({2, 3})), k(Tensor::zeros({2, 4, 5})), v(Tensor::zeros({2, 4, 2}));
  try {
    dot(q, k, v);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "DotScore: query [2, 3] and keys [2, 4, 5] need the same feature size for a dot product");
  }
  EXPECT_THROW(general(q, k, v), Error);                                                      // dk = 5, not 4
  EXPECT_THROW(dot(q, Var(Tensor::zeros({2, 3})), v), Error);                                 // keys not [B, T, dk]
  EXPECT_THROW(dot(q, Var(Tensor::zeros({3, 4, 3})), v), Error);                              // batch differs
  EXPECT_THROW(dot(q, Var(Tensor::zeros({2, 4, 3})), Var(Tensor::zeros({2, 5, 2}))), Error);  // T differs
  EXPECT_THROW(dot(q, Var(Tensor::zeros({2, 4, 3})), v, Tensor::ones({3})), Error);           // mask [3] vs [2, 4]
  EXPECT_THROW(AdditiveScore(3, 4, 0, rng), Error);
  EXPECT_THROW(attend(Var(Tensor::zeros({2, 3})), Var(Tensor::zeros({4, 2}))), Error);
}

// ---------------------------------------------------------------------------------------------
TEST_F(SelfAttentionTest, ByHandWithIdentityProjections) {
  Rng rng(6);
  SelfAttention attn(2, rng);
  auto named = attn.named_parameters();
  ASSERT_EQ(named.size(), 3u);
  EXPECT_EQ(named[0].first, "wq.weight");
  EXPECT_EQ(named[1].first, "wk.weight");
  EXPECT_EQ(named[2].first, "wv.weight");
  EXPECT_EQ(attn.num_parameters(), 12);
  EXPECT_EQ(attn.type_name(), "SelfAttention(d=2, d_k=2, d_v=2)");
  for (Linear* l : {&attn.wq, &attn.wk, &attn.wv}) load(*l, {1, 0, 0, 1});
  // X = I, so Q = K = V = I and QKᵀ/√2 = I/√2: row 0 = softmax([1/√2, 0]), row 1 = softmax([0, 1/√2]).
  auto [h, a] = attn(Var(Tensor::from({1, 0, 0, 1}, {2, 2})));
  const auto r0 = softmax2(1 / std::sqrt(2.0), 0);
  expect_near(a.value(), {r0[0], r0[1], r0[1], r0[0]});
  expect_near(h.value(), {r0[0], r0[1], r0[1], r0[0]});  // H = A V = A
}

TEST_F(SelfAttentionTest, ShapesRowsAndConvexHull) {
  Rng rng(7);
  SelfAttention attn(4, rng, 3, 5);
  Var x(Tensor::randn({2, 6, 4}, rng));
  auto [h, a] = attn(x);
  EXPECT_EQ(h.shape(), (Shape{2, 6, 5}));
  EXPECT_EQ(a.shape(), (Shape{2, 6, 6}));
  expect_rows_sum_to_one(a.value());
  // Each output is a convex combination of the values: inside their per-coordinate range.
  Tensor v = attn.wv(x).value();
  Tensor lo = Tensor::full({5}, 1e30f), hi = Tensor::full({5}, -1e30f);
  for (int64_t r = 0; r < 6; ++r)
    for (int64_t c = 0; c < 5; ++c) {
      lo[c] = std::min(lo[c], v.at({0, r, c}));
      hi[c] = std::max(hi[c], v.at({0, r, c}));
    }
  for (int64_t r = 0; r < 6; ++r)
    for (int64_t c = 0; c < 5; ++c) {
      EXPECT_GE(h.value().at({0, r, c}), lo[c] - 1e-5f);
      EXPECT_LE(h.value().at({0, r, c}), hi[c] + 1e-5f);
    }
  EXPECT_EQ(attn(Var(Tensor::randn({6, 4}, rng))).weights.shape(), (Shape{6, 6}));
}

TEST_F(SelfAttentionTest, PermutationEquivariantWithoutPositions) {
  Rng rng(8);
  SelfAttention attn(4, rng);
  const int64_t t = 5;
  Tensor x = Tensor::randn({t, 4}, rng);
  const std::vector<int64_t> p = {3, 0, 4, 1, 2};  // row i of the permuted input is row p[i]
  Tensor xp({t, 4});
  for (int64_t i = 0; i < t; ++i)
    for (int64_t c = 0; c < 4; ++c) xp.at({i, c}) = x.at({p[size_t(i)], c});
  auto [h, a] = attn(Var(x));
  auto [hp, ap] = attn(Var(xp));
  for (int64_t i = 0; i < t; ++i) {
    for (int64_t c = 0; c < 4; ++c) EXPECT_NEAR(hp.value().at({i, c}), h.value().at({p[size_t(i)], c}), 1e-5f);
    for (int64_t j = 0; j < t; ++j)
      EXPECT_NEAR(ap.value().at({i, j}), a.value().at({p[size_t(i)], p[size_t(j)]}), 1e-6f);
  }
}

TEST_F(SelfAttentionTest, CausalOutputIgnoresTheFuture) {
  Rng rng(9);
  SelfAttention attn(3, rng);
  const int64_t t = 6, i = 2;
  Tensor x = Tensor::randn({t, 3}, rng);
  Tensor x2 = x.clone();
  for (int64_t r = i + 1; r < t; ++r)
    for (int64_t c = 0; c < 3; ++c) x2.at({r, c}) += 5;  // change every token after i
  auto [h, a] = attn(Var(x), causal_mask(t));
  auto [h2, a2] = attn(Var(x2), causal_mask(t));
  for (int64_t r = 0; r <= i; ++r)
    for (int64_t c = 0; c < 3; ++c) EXPECT_EQ(h.value().at({r, c}), h2.value().at({r, c}));
  EXPECT_GT(max_abs_diff(h.value(), h2.value()), 1e-3f);  // later rows did change
  for (int64_t r = 0; r < t; ++r)
    for (int64_t c = r + 1; c < t; ++c) EXPECT_EQ(a.value().at({r, c}), 0);
  expect_rows_sum_to_one(a.value());
}

TEST_F(SelfAttentionTest, PaddingAndFullyMaskedRows) {
  Rng rng(10);
  SelfAttention attn(3, rng);
  Var x(Tensor::randn({2, 4, 3}, rng));
  // Single-head scores are [B, T, T]: the padding mask [B, 1, 1, T] is reshaped to [B, 1, T].
  auto [h, a] = attn(x, padding_mask({4, 2}, 4).reshape({2, 1, 4}));
  for (int64_t r = 0; r < 4; ++r) EXPECT_EQ(a.value().at({1, r, 3}), 0);
  expect_rows_sum_to_one(a.value());
  // A query that may attend to nothing gets zero weights and a zero output, not NaN.
  Tensor m = Tensor::ones({4, 4});
  for (int64_t j = 0; j < 4; ++j) m[j] = 0;  // row 0 fully blocked
  auto [h0, a0] = attn(x, m);
  for (int64_t c = 0; c < 3; ++c) EXPECT_EQ(h0.value().at({0, 0, c}), 0);
  for (real w : a0.value()) EXPECT_FALSE(std::isnan(w));
}

TEST_F(SelfAttentionTest, Gradcheck) {
  Rng rng(11);
  SelfAttention attn(4, rng, 3, 2);
  for (Shape s : {Shape{5, 4}, Shape{2, 4, 4}}) {
    Var x = randn_param(s, rng);
    for (const Tensor& m : {Tensor(), causal_mask(s[s.size() - 2])}) {
      auto r = gradcheck([&](const std::vector<Var>& in) { return attn(in[0], m).context; },
                         {x, attn.wq.weight, attn.wk.weight, attn.wv.weight});
      EXPECT_TRUE(r.ok) << to_string(s) << "\n" << r.report;
    }
  }
}

TEST_F(SelfAttentionTest, BadInput) {
  Rng rng(12);
  SelfAttention attn(4, rng);
  try {
    attn(Var(Tensor::zeros({3, 5})));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "SelfAttention: input [3, 5] is not [T, d] or [B, T, d] with d=4");
  }
  EXPECT_THROW(attn(Var(Tensor::zeros({4}))), Error);
  EXPECT_THROW(attn(Var(Tensor::zeros({1, 2, 3, 4}))), Error);
  EXPECT_THROW(attn(Var(Tensor::zeros({3, 4})), causal_mask(4)), Error);
  EXPECT_THROW(attn(Var(Tensor::zeros({3, 4})), Tensor::full({3, 3}, 0.5f)), Error);
  EXPECT_THROW(SelfAttention(0, rng), Error);
  EXPECT_THROW(SelfAttention(4, rng, -1), Error);
}

// ---------------------------------------------------------------------------------------------
TEST_F(CollaborativeTest, ParameterCountAndNames) {
  Rng rng(13);
  const int64_t d = 8, h = 2, ds = 4, dv = 3;
  CollaborativeAttention attn({.d_model = d, .n_heads = h, .d_shared = ds, .d_value = dv}, rng);
  // Shared W_q, W_k: 2·d·D̃; mixing: H·D̃; values and output: 2·d·H·d_value.
  EXPECT_EQ(attn.num_parameters(), 2 * d * ds + h * ds + 2 * d * h * dv);
  EXPECT_EQ(attn.num_parameters(), 64 + 8 + 96);
  std::vector<std::string> names;
  for (auto& [n, _] : attn.named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"mixing", "wq.weight", "wk.weight", "wv.weight", "wo.weight"}));
  EXPECT_EQ(attn.mixing.shape(), (Shape{2, 4}));
  EXPECT_EQ(attn.type_name(), "CollaborativeAttention(d=8, heads=2, d_shared=4, d_value=3)");
  // Defaults: D̃ = d, d_value = d / H.
  CollaborativeAttention dflt({.d_model = 8, .n_heads = 4}, rng);
  EXPECT_EQ(dflt.config.d_shared, 8);
  EXPECT_EQ(dflt.config.d_value, 2);
}

// With block-indicator mixing vectors, collaborative heads are standard split heads.
TEST_F(CollaborativeTest, ConcatenateInitIsStandardMultiHead) {
  Rng rng(14);
  const int64_t d = 6, h = 3, dk = 2, dv = 2, t = 4;
  CollaborativeAttention attn({.d_model = d, .n_heads = h, .d_shared = h * dk, .d_value = dv}, rng);
  Var x(Tensor::randn({2, t, d}, rng));
  auto [out, weights] = attn(x, causal_mask(t));
  ASSERT_EQ(out.shape(), (Shape{2, t, d}));
  ASSERT_EQ(weights.shape(), (Shape{2, h, t, t}));
  expect_rows_sum_to_one(weights.value());
  std::vector<Var> heads;
  for (int64_t i = 0; i < h; ++i) {
    Var qi = matmul(x, narrow(attn.wq.weight, 0, i * dk, dk), false, true);
    Var ki = matmul(x, narrow(attn.wk.weight, 0, i * dk, dk), false, true);
    Var vi = matmul(x, narrow(attn.wv.weight, 0, i * dv, dv), false, true);
    Var ai = softmax(apply_mask(matmul(qi, ki, false, true) / std::sqrt(real(dk)), causal_mask(t), "test"));
    Tensor got = narrow(weights.value(), 1, i, 1).reshape({2, t, t});
    EXPECT_LT(max_abs_diff(got, ai.value()), 1e-5f) << "head " << i;
    heads.push_back(matmul(ai, vi));
  }
  Var expected = matmul(concat(heads, -1), attn.wo.weight, false, true);
  EXPECT_LT(max_abs_diff(out.value(), expected.value()), 1e-5f);
}

TEST_F(CollaborativeTest, GradcheckAndUnbatchedInput) {
  Rng rng(15);
  CollaborativeAttention attn(
      {.d_model = 4, .n_heads = 2, .d_shared = 3, .d_value = 2, .mixing_init = MixingInit::normal}, rng);
  for (Shape s : {Shape{3, 4}, Shape{2, 3, 4}}) {
    Var x = randn_param(s, rng);
    std::vector<Var> inputs = {x};
    for (const Var& p : attn.parameters()) inputs.push_back(p);
    auto r = gradcheck([&](const std::vector<Var>& in) { return attn(in[0], causal_mask(3)).context; }, inputs);
    EXPECT_TRUE(r.ok) << to_string(s) << "\n" << r.report;
  }
  auto [out, w] = attn(Var(Tensor::randn({3, 4}, rng)));
  EXPECT_EQ(out.shape(), (Shape{3, 4}));
  EXPECT_EQ(w.shape(), (Shape{2, 3, 3}));
}

TEST_F(CollaborativeTest, BadInput) {
  Rng rng(16);
  EXPECT_THROW(CollaborativeAttention({.d_model = 0, .n_heads = 2}, rng), Error);
  EXPECT_THROW(CollaborativeAttention({.d_model = 5, .n_heads = 2}, rng), Error);  // d_value = 5/2?
  try {
    CollaborativeAttention({.d_model = 4, .n_heads = 2, .d_shared = 3}, rng);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "CollaborativeAttention: the concatenate initialization needs d_shared=3 divisible by n_heads=2");
  }
  CollaborativeAttention attn({.d_model = 4, .n_heads = 2}, rng);
  EXPECT_THROW(attn(Var(Tensor::zeros({3, 5}))), Error);
  EXPECT_THROW(attn(Var(Tensor::zeros({2, 3, 4})), causal_mask(4)), Error);
}

}  // namespace
}  // namespace atn
