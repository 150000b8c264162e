// Softmax and log-softmax: the tensor kernels (values, −inf, large logits) and the autograd ops.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_softmax.h"
#include "tensor/rng.h"
#include "tensor/softmax.h"

namespace atn {
namespace {

constexpr real kInf = std::numeric_limits<real>::infinity();

void expect_near_all(const Tensor& t, const std::vector<real>& want, real tol) {
  ASSERT_EQ(t.numel(), int64_t(want.size()));
  for (int64_t i = 0; i < t.numel(); ++i) EXPECT_NEAR(t[i], want[size_t(i)], tol) << "element " << i;
}

TEST(Softmax, HandValues) {
  // exp([1,2,3] − 3) = [e⁻², e⁻¹, 1] = [0.135335, 0.367879, 1], sum 1.503215
  // → [0.090031, 0.244728, 0.665241];
  // their logs = [1,2,3] − 3 − log 1.503215 = [−2.407606, −1.407606, −0.407606]
  const Tensor x = Tensor::from({1, 2, 3});
  expect_near_all(softmax(x), {0.090031f, 0.244728f, 0.665241f}, 1e-6f);
  expect_near_all(log_softmax(x), {-2.407606f, -1.407606f, -0.407606f}, 1e-6f);
}

TEST(Softmax, RowsOfAnyLeadingShapeSumToOneAndAgreeWithLogSoftmax) {
  Rng rng(7);
  const Tensor x = Tensor::randn({2, 3, 4}, rng, 0, 3);
  const Tensor y = softmax(x), ly = log_softmax(x);
  EXPECT_EQ(y.shape(), x.shape());
  for (int64_t r = 0; r < 6; ++r) {
    double s = 0;
    for (int64_t j = 0; j < 4; ++j) {
      s += y[r * 4 + j];
      EXPECT_NEAR(std::exp(ly[r * 4 + j]), y[r * 4 + j], 1e-6f);
    }
    EXPECT_NEAR(s, 1.0, 1e-6);
  }
  // Each row is normalized on its own: row 0 of [[1,2,3],[1,1,1]] is as above, row 1 uniform.
  expect_near_all(softmax(Tensor::from({1, 2, 3, 1, 1, 1}, {2, 3})),
                  {0.090031f, 0.244728f, 0.665241f, 1 / 3.f, 1 / 3.f, 1 / 3.f}, 1e-6f);
}

TEST(Softmax, MinusInfinityIsMaskedAndAFullyMaskedRowIsZero) {
  // [0, −inf, 0]: the two finite entries share the mass; the masked one gets 0 (log: −inf).
  const Tensor x = Tensor::from({0, -kInf, 0, -kInf, -kInf, -kInf}, {2, 3});
  const Tensor y = softmax(x), ly = log_softmax(x);
  expect_near_all(y, {0.5f, 0, 0.5f, 0, 0, 0}, 0);
  EXPECT_NEAR(ly[0], -std::log(2.0f), 1e-6f);
  EXPECT_EQ(ly[1], -kInf);
  for (int64_t j = 3; j < 6; ++j) EXPECT_EQ(ly[j], -kInf) << "fully masked row is −inf, never NaN";
  for (real v : y) EXPECT_FALSE(std::isnan(v));
}

TEST(Softmax, LargeLogitsAreStable) {
  // Shifting by a constant changes nothing: [1000,1001,1002] has the softmax of [1,2,3].
  expect_near_all(softmax(Tensor::from({1000, 1001, 1002})), {0.090031f, 0.244728f, 0.665241f}, 1e-6f);
  expect_near_all(log_softmax(Tensor::from({-1000, -999, -998})), {-2.407606f, -1.407606f, -0.407606f}, 1e-5f);
  // log_softmax stays exact where softmax underflows: softmax([0, −200])₁ = e⁻²⁰⁰ → 0 in float,
  // but log_softmax gives −200 − log(1 + e⁻²⁰⁰) = −200.
  EXPECT_EQ(softmax(Tensor::from({0, -200}))[1], 0);
  EXPECT_NEAR(log_softmax(Tensor::from({0, -200}))[1], -200, 1e-4f);
}

TEST(Softmax, BackwardKernelMatchesTheJacobian) {
  // J = diag(y) − y yᵀ for y = softmax([1,2,3]); dx = Jᵀg computed as a plain matrix product.
  const Tensor y = softmax(Tensor::from({1, 2, 3}));
  const Tensor g = Tensor::from({0.5f, -1, 2});
  std::vector<real> want(3, 0);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) want[size_t(j)] += g[i] * ((i == j ? y[i] : 0) - y[i] * y[j]);
  expect_near_all(softmax_backward(y, g), want, 1e-6f);
}

TEST(Softmax, GradcheckSoftmaxAndLogSoftmax) {
  Rng rng(11);
  for (const Shape& s : {Shape{4}, Shape{3, 5}, Shape{2, 3, 4}}) {
    Var x = param(Tensor::randn(s, rng, 0, 2));
    auto r = gradcheck([](const std::vector<Var>& v) { return softmax(v[0]); }, {x});
    EXPECT_TRUE(r.ok) << "softmax " << to_string(s) << "\n" << r.report;
    r = gradcheck([](const std::vector<Var>& v) { return log_softmax(v[0]); }, {x});
    EXPECT_TRUE(r.ok) << "log_softmax " << to_string(s) << "\n" << r.report;
  }
}

TEST(Softmax, NoGradientThroughMaskedEntriesOrFullyMaskedRows) {
  // Row 0 has one masked entry, row 1 is fully masked: softmax sends nothing to a masked entry
  // (its y is 0), and neither op sends anything to a fully masked row.
  for (bool use_log : {false, true}) {
    Var x = param(Tensor::from({1, -kInf, 2, -kInf, -kInf, -kInf}, {2, 3}));
    Var y = use_log ? log_softmax(x) : softmax(x);
    backward(y, Tensor::from({1, 2, 3, 1, 2, 3}, {2, 3}));
    if (!use_log) {
      EXPECT_EQ(x.grad()[1], 0);
    }
    for (int64_t j = 3; j < 6; ++j) EXPECT_EQ(x.grad()[j], 0) << (use_log ? "log_softmax" : "softmax");
    for (real v : x.grad()) EXPECT_FALSE(std::isnan(v));
  }
}

// softmax (or log_softmax) along `axis` from the definition, in double, one lane at a time.
Tensor softmax_by_hand(const Tensor& x, int64_t axis, bool log) {
  const int64_t n = x.shape()[size_t(axis)], stride = contiguous_strides(x.shape())[size_t(axis)];
  Tensor y(x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) {
    if ((i / stride) % n != 0) continue;  // start from the first element of each lane
    double m = -INFINITY, s = 0;
    for (int64_t k = 0; k < n; ++k) m = std::max(m, double(x[i + k * stride]));
    for (int64_t k = 0; k < n; ++k) s += std::exp(double(x[i + k * stride]) - m);
    for (int64_t k = 0; k < n; ++k) {
      const double z = double(x[i + k * stride]) - m;
      y[i + k * stride] = real(log ? z - std::log(s) : std::exp(z) / s);
    }
  }
  return y;
}

TEST(SoftmaxAxis, EveryAxisMatchesTheDefinitionAndMinusOneIsTheDefault) {
  Rng rng(12);
  const Tensor x = Tensor::randn({2, 3, 4}, rng, 0, 2);
  for (int64_t axis : {0, 1, 2, -1, -2, -3}) {
    const int64_t ax = axis < 0 ? axis + 3 : axis;
    EXPECT_LT(max_abs_diff(softmax(x, axis), softmax_by_hand(x, ax, false)), 1e-6f) << "axis " << axis;
    EXPECT_LT(max_abs_diff(log_softmax(x, axis), softmax_by_hand(x, ax, true)), 2e-6f) << "axis " << axis;
    EXPECT_LT(max_abs_diff(softmax(param(x), axis).value(), softmax_by_hand(x, ax, false)), 1e-6f);
    EXPECT_LT(max_abs_diff(log_softmax(param(x), axis).value(), softmax_by_hand(x, ax, true)), 2e-6f);
  }
  EXPECT_EQ(softmax(x).to_vector(), softmax(x, 2).to_vector());
  EXPECT_EQ(log_softmax(x).to_vector(), log_softmax(x, -1).to_vector());
}

TEST(SoftmaxAxis, AFullyMaskedLaneAlongAnyAxisIsZeroWithZeroGradient) {
  // Column 1 of [2, 3] is fully masked: along axis 0 it is a lane of its own.
  Var x = param(Tensor::from({1, -kInf, 2, 3, -kInf, 0}, {2, 3}));
  Var y = softmax(x, 0);
  EXPECT_EQ(y.value()[1], 0);
  EXPECT_EQ(y.value()[4], 0);
  EXPECT_NEAR(y.value()[0] + y.value()[3], 1, 1e-6f);
  backward(y, Tensor::from({1, 2, 3, 4, 5, 6}, {2, 3}));
  EXPECT_EQ(x.grad()[1], 0);
  EXPECT_EQ(x.grad()[4], 0);
  EXPECT_EQ(log_softmax(x.value(), 0)[4], -kInf);
}

TEST(SoftmaxAxis, GradcheckAlongEachAxis) {
  Rng rng(13);
  for (const Shape& s : {Shape{3, 5}, Shape{2, 3, 4}}) {
    Var x = param(Tensor::randn(s, rng, 0, 2));
    for (int64_t axis = -int64_t(s.size()); axis < int64_t(s.size()); ++axis) {
      auto r = gradcheck([axis](const std::vector<Var>& v) { return softmax(v[0], axis); }, {x});
      EXPECT_TRUE(r.ok) << "softmax " << to_string(s) << " axis " << axis << "\n" << r.report;
      r = gradcheck([axis](const std::vector<Var>& v) { return log_softmax(v[0], axis); }, {x});
      EXPECT_TRUE(r.ok) << "log_softmax " << to_string(s) << " axis " << axis << "\n" << r.report;
    }
  }
}

TEST(SoftmaxAxis, ABadAxisIsAnError) {
  const Tensor x = Tensor::zeros({2, 3});
  try {
    softmax(x, 2);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "softmax: axis 2 out of range for a tensor with 2 dimensions");
  }
  EXPECT_THROW(log_softmax(x, -3), Error);
  EXPECT_THROW(softmax(param(x), 5), Error);
  EXPECT_THROW(log_softmax(param(x), INT64_MIN), Error);
  EXPECT_THROW(softmax_backward(x, x, 2), Error);
  EXPECT_THROW(log_softmax_backward(x, x, -3), Error);
  EXPECT_THROW(softmax(Tensor::scalar(1), 0), Error);
}

TEST(Softmax, Errors) {
  try {
    softmax(Tensor::scalar(1));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "softmax: needs at least one axis, got a scalar of shape []");
  }
  EXPECT_THROW(log_softmax(Tensor::scalar(1)), Error);
  EXPECT_THROW(softmax(param(Tensor::scalar(1))), Error);
  EXPECT_THROW(log_softmax(param(Tensor::scalar(1))), Error);
  EXPECT_THROW(softmax_backward(Tensor::zeros({2, 3}), Tensor::zeros({3, 2})), Error);
  EXPECT_THROW(log_softmax_backward(Tensor::zeros({2, 3}), Tensor::zeros({6})), Error);
}

}  // namespace
}  // namespace atn
