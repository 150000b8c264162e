// Linear attention: the feature map, hand values, the linear forms (ops for non-causal, the
// running-sum op for causal) against the quadratic form, gradcheck, threads, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "autograd/gradcheck.h"
#include "nn/attention/linear_attention.h"
#include "tensor/rng.h"
#include "tensor/thread_pool.h"
#include "tests/test_util.h"

namespace atn {
namespace {

using testing_util::KeepThreadCount;

TEST(LinearAttention, FeatureMapValuesAndGradient) {
  // φ(x) = x + 1 for x > 0, eˣ otherwise: φ(2) = 3, φ(0) = 1, φ(−1) = 0.367879, φ(−100) ≈ 0 (> 0).
  const Tensor y = elu_feature_map(Var(Tensor::from({2, 0, -1, -100}))).value();
  EXPECT_EQ(y[0], 3);
  EXPECT_EQ(y[1], 1);
  EXPECT_NEAR(y[2], 0.367879f, 1e-6f);
  EXPECT_GE(y[3], 0);
  Rng rng(20);
  Var x = param(Tensor::randn({3, 4}, rng));
  const auto r = gradcheck([](const std::vector<Var>& v) { return elu_feature_map(v[0]); }, {x});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(LinearAttention, HandComputedValues) {
  // q = k = 0 gives φ = 1 everywhere, so every allowed key gets the same weight.
  // v = [2, 4, 12] (dv = 1): non-causal out_i = mean = 6; causal out = [2, (2+4)/2, (2+4+12)/3] = [2, 3, 6].
  const Var zeros(Tensor::zeros({1, 1, 3, 2})), v(Tensor::from({2, 4, 12}, {1, 1, 3, 1}));
  EXPECT_EQ(linear_attention(zeros, zeros, v, false).value().to_vector(), (std::vector<real>{6, 6, 6}));
  EXPECT_EQ(linear_attention(zeros, zeros, v, true).value().to_vector(), (std::vector<real>{2, 3, 6}));
  // One query, two keys, d = 1: φ(q) = φ(1) = 2, φ(k) = [φ(0), φ(1)] = [1, 2], v = [10, 40]:
  // weights ∝ [2·1, 2·2] = [2, 4] → [1/3, 2/3], out = 10/3 + 80/3 = 30.
  const Tensor out = linear_attention(Var(Tensor::ones({1, 1, 1, 1})), Var(Tensor::from({0, 1}, {1, 1, 2, 1})),
                                      Var(Tensor::from({10, 40}, {1, 1, 2, 1})), false)
                         .value();
  EXPECT_NEAR(out[0], 30, 1e-5f);
}

TEST(LinearAttention, LinearFormsEqualTheQuadraticForm) {
  Rng rng(21);
  struct Case {
    int64_t Tq, Tk, d, dv;
    bool causal;
  };
  for (const Case& c : std::vector<Case>{
           {1, 1, 3, 3, true}, {7, 7, 4, 5, true}, {33, 33, 8, 8, true}, {7, 7, 4, 5, false}, {5, 33, 8, 3, false}}) {
    const std::string what =
        "Tq=" + std::to_string(c.Tq) + " Tk=" + std::to_string(c.Tk) + " causal=" + std::to_string(c.causal);
    const Tensor q = Tensor::randn({2, 3, c.Tq, c.d}, rng), k = Tensor::randn({2, 3, c.Tk, c.d}, rng);
    const Tensor v = Tensor::randn({2, 3, c.Tk, c.dv}, rng), seed = Tensor::randn({2, 3, c.Tq, c.dv}, rng);
    std::vector<Tensor> results[2];
    for (int quadratic = 0; quadratic < 2; ++quadratic) {
      Var vq = param(q.clone()), vk = param(k.clone()), vv = param(v.clone());
      Var out = quadratic ? linear_attention_quadratic(vq, vk, vv, c.causal) : linear_attention(vq, vk, vv, c.causal);
      backward(out, seed);
      results[quadratic] = {out.value(), vq.grad(), vk.grad(), vv.grad()};
    }
    const char* names[4] = {"out", "dq", "dk", "dv"};
    for (int t = 0; t < 4; ++t)
      EXPECT_LE(max_abs_diff(results[0][size_t(t)], results[1][size_t(t)]), 2e-5f) << what << " " << names[t];
  }
}

TEST(LinearAttention, Gradcheck) {
  Rng rng(22);
  Var q = param(Tensor::randn({2, 2, 5, 3}, rng)), k = param(Tensor::randn({2, 2, 5, 3}, rng));
  Var v = param(Tensor::randn({2, 2, 5, 2}, rng));
  for (bool causal : {false, true}) {
    const auto r =
        gradcheck([&](const std::vector<Var>& x) { return linear_attention(x[0], x[1], x[2], causal); }, {q, k, v});
    EXPECT_TRUE(r.ok) << "causal " << causal << "\n" << r.report;
  }
  // The running-sum op on its own, with positive features as it requires.
  Var fq = param(Tensor::rand({1, 2, 6, 3}, rng, 0.2f, 2)), fk = param(Tensor::rand({1, 2, 6, 3}, rng, 0.2f, 2));
  const auto r = gradcheck([](const std::vector<Var>& x) { return prefix_linear_attention(x[0], x[1], x[2]); },
                           {fq, fk, param(Tensor::randn({1, 2, 6, 4}, rng))});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(LinearAttention, SameBitsForAnyThreadCount) {
  KeepThreadCount keep;
  Rng rng(23);
  const Tensor q = Tensor::randn({2, 3, 20, 4}, rng), k = Tensor::randn({2, 3, 20, 4}, rng);
  const Tensor v = Tensor::randn({2, 3, 20, 4}, rng), seed = Tensor::randn({2, 3, 20, 4}, rng);
  std::vector<real> first[4];
  for (int threads : {1, 3}) {
    set_num_threads(threads);
    Var vq = param(q.clone()), vk = param(k.clone()), vv = param(v.clone());
    Var out = linear_attention(vq, vk, vv, true);
    backward(out, seed);
    const std::vector<real> now[4] = {out.value().to_vector(), vq.grad().to_vector(), vk.grad().to_vector(),
                                      vv.grad().to_vector()};
    for (int t = 0; t < 4; ++t) {
      if (threads == 1)
        first[t] = now[t];
      else
        EXPECT_EQ(now[t], first[t]) << t;
    }
  }
}

TEST(LinearAttention, BadInputThrows) {
  const Var q(Tensor({1, 2, 3, 4})), k(Tensor({1, 2, 5, 4}));
  try {
    linear_attention(q, k, k, true);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(
        e.what(),
        "linear_attention: causal attention needs as many queries as keys, got q [1, 2, 3, 4], k [1, 2, 5, 4]");
  }
  EXPECT_THROW(linear_attention(Var(Tensor({2, 3, 4})), k, k, false), Error);
  EXPECT_THROW(linear_attention(q, Var(Tensor({1, 2, 5, 3})), k, false), Error);  // head sizes differ
  EXPECT_THROW(linear_attention(q, k, Var(Tensor({1, 2, 4, 4})), false), Error);  // k, v lengths differ
  EXPECT_THROW(linear_attention_quadratic(q, k, k, true), Error);
  EXPECT_THROW(prefix_linear_attention(q, k, k), Error);
}

}  // namespace
}  // namespace atn
