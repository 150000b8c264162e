// RoPE (nn/rope.h): rotation values, the relative-position property of q·k, norms, offsets,
// gradients and errors.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops_shape.h"
#include "nn/rope.h"
#include "tensor/rng.h"

namespace atn {
namespace {

// Row t of x [T, d] as a vector.
std::vector<double> row(const Tensor& x, int64_t t) {
  const int64_t d = x.size(-1);
  return {x.data() + t * d, x.data() + (t + 1) * d};
}
double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

TEST(RoPE, RotationByHand) {
  RotaryPositionalEmbedding rope(4);
  EXPECT_EQ(rope.num_parameters(), 0);
  EXPECT_EQ(rope.type_name(), "RotaryPositionalEmbedding(4, base=10000)");
  EXPECT_DOUBLE_EQ(rope.theta(0), 1);
  EXPECT_NEAR(rope.theta(1), 0.01, 1e-15);  // 10000^(−2/4)
  // x = [1, 2, 1, 2] at positions 0 and 1. Position 0: no rotation. Position 1: pair 0 turns by
  // 1 rad: (cos1 − 2 sin1, sin1 + 2 cos1) = (−1.142640, 1.922076); pair 1 by 0.01 rad:
  // (cos.01 − 2 sin.01, sin.01 + 2 cos.01) = (0.979950, 2.009900).
  Tensor x = Tensor::from({1, 2, 1, 2, 1, 2, 1, 2}, {2, 4});
  Tensor y = rope.apply(Var(x)).value();
  const std::vector<real> expect = {1, 2, 1, 2, -1.142640f, 1.922076f, 0.979950f, 2.009900f};
  for (int64_t c = 0; c < 8; ++c) EXPECT_NEAR(y[c], expect[size_t(c)], 1e-5) << c;
}

TEST(RoPE, ScoreDependsOnlyOnTheOffset) {
  // Rows 0..T−1 all hold q (or k), so row m of the result is R_m q.
  const int64_t d = 8, T = 40;
  Rng rng(1);
  RotaryPositionalEmbedding rope(d);
  Tensor q1 = Tensor::randn({1, d}, rng), k1 = Tensor::randn({1, d}, rng);
  Tensor qs({T, d}), ks({T, d});
  for (int64_t t = 0; t < T; ++t) {
    qs.narrow0(t, 1).copy_from(q1);
    ks.narrow0(t, 1).copy_from(k1);
  }
  Tensor rq = rope.apply(Var(qs)).value(), rk = rope.apply(Var(ks)).value();
  auto score = [&](int64_t m, int64_t n) { return dot(row(rq, m), row(rk, n)); };
  for (auto [m, n] : std::vector<std::pair<int64_t, int64_t>>{{0, 0}, {0, 3}, {5, 2}, {1, 7}, {10, 4}})
    for (int64_t s : {1, 6, 17}) EXPECT_NEAR(score(m, n), score(m + s, n + s), 1e-4) << m << " " << n << " +" << s;
  // (R_m q)·(R_n k) = q·(R_{n−m} k): with m = 0, q is unrotated.
  EXPECT_NEAR(score(12, 15), dot(row(qs, 0), row(rk, 3)), 1e-4);
  // And it does depend on the offset (the property is not trivially a constant).
  EXPECT_GT(std::fabs(score(0, 0) - score(0, 1)), 1e-2);
}

TEST(RoPE, PreservesNormsAndHonoursOffset) {
  Rng rng(2);
  RotaryPositionalEmbedding rope(6);
  Tensor x = Tensor::randn({2, 3, 5, 6}, rng);
  Tensor y = rope.apply(Var(x), 7).value();
  ASSERT_EQ(y.shape(), x.shape());
  Tensor x2 = x.reshape({-1, 6}), y2 = y.reshape({-1, 6});
  for (int64_t r = 0; r < 30; ++r) EXPECT_NEAR(dot(row(y2, r), row(y2, r)), dot(row(x2, r), row(x2, r)), 1e-4);
  // Row t with offset 7 is the same as one row at offset 7 + t (the KV-cache case).
  Tensor one({1, 6});
  for (int64_t c = 0; c < 6; ++c) one[c] = x.at({1, 1, 3, c});
  Tensor y_one = rope.apply(Var(one), 7 + 3).value();
  for (int64_t c = 0; c < 6; ++c) EXPECT_FLOAT_EQ(y_one[c], y.at({1, 1, 3, c}));
}

TEST(RoPE, Gradcheck) {
  Rng rng(3);
  RotaryPositionalEmbedding rope(6, 100);  // a smaller base turns the later pairs visibly too
  for (Shape s : {Shape{4, 6}, Shape{2, 3, 5, 6}}) {
    Var x = param(Tensor::randn(s, rng));
    auto r = gradcheck([&](const std::vector<Var>& v) { return rope.apply(v[0], 3); }, {x});
    EXPECT_TRUE(r.ok) << to_string(s) << "\n" << r.report;
  }
}

TEST(RoPE, BadInput) {
  try {
    RotaryPositionalEmbedding(5);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "RotaryPositionalEmbedding: d_head must be even and >= 2, got 5");
  }
  EXPECT_THROW(RotaryPositionalEmbedding(0), Error);
  EXPECT_THROW(RotaryPositionalEmbedding(4, 1.0), Error);
  RotaryPositionalEmbedding rope(4);
  try {
    rope.apply(Var(Tensor::zeros({2, 3, 6})));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "RotaryPositionalEmbedding: input [2, 3, 6] is not [..., T, d_head] with d_head=4");
  }
  EXPECT_THROW(rope.apply(Var(Tensor::zeros({4}))), Error);
  EXPECT_THROW(rope.theta(2), Error);
  EXPECT_THROW(rope.apply(Var(Tensor::zeros({2, 4})), -1), Error);
}

}  // namespace
}  // namespace atn
