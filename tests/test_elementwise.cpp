// Tensor-level elementwise kernels (tensor/elementwise.h): broadcasting on many shape pairs,
// in-place updates, comparisons, and the errors for bad shapes and a bad clamp range.
#include <gtest/gtest.h>

#include <cmath>

#include "tensor/elementwise.h"

namespace atn {
namespace {

using Values = std::vector<real>;

// The message of the Error that f throws ("" and a test failure if it throws none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an atn::Error";
  return "";
}

TEST(Elementwise, BroadcastRank3WithRank2) {
  // a [2, 1, 4] = [[[0, 1, 2, 3]], [[4, 5, 6, 7]]], b [3, 1] = [[10], [20], [30]].
  // b lines up with the last two axes of a; out[i, j, k] = a[i, 0, k] + b[j, 0], shape [2, 3, 4].
  Tensor a = Tensor::arange(8).reshape({2, 1, 4});
  Tensor b = Tensor::from({10, 20, 30}, {3, 1});
  Tensor c = a + b;
  EXPECT_EQ(c.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(c.to_vector(), (Values{10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33,    // i = 0
                                   14, 15, 16, 17, 24, 25, 26, 27, 34, 35, 36, 37}));  // i = 1
  // The other order gives the same shape; out[i, j, k] = b[j, 0] − a[i, 0, k].
  Tensor d = b - a;
  EXPECT_EQ(d.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(d.at({0, 0, 3}), 10 - 3);
  EXPECT_EQ(d.at({1, 2, 0}), 30 - 4);
}

TEST(Elementwise, BroadcastOuterProductAndSize1LastAxis) {
  // [3, 1] * [1, 4]: every row of the result is a[i] times b.
  Tensor outer = Tensor::from({1, 2, 3}, {3, 1}) * Tensor::from({1, 10, 100, 1000}, {1, 4});
  EXPECT_EQ(outer.shape(), (Shape{3, 4}));
  EXPECT_EQ(outer.to_vector(), (Values{1, 10, 100, 1000, 2, 20, 200, 2000, 3, 30, 300, 3000}));
  // [3, 4] + [4]: the vector is added to every row.
  Tensor rows = Tensor::zeros({3, 4}) + Tensor::from({1, 2, 3, 4});
  EXPECT_EQ(rows.to_vector(), (Values{1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4}));
  // [2, 3, 1] + [3, 1]: the last axis has size 1 in both (neither input moves along it).
  Tensor e = Tensor::arange(6).reshape({2, 3, 1}) + Tensor::from({100, 200, 300}, {3, 1});
  EXPECT_EQ(e.shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(e.to_vector(), (Values{100, 201, 302, 103, 204, 305}));
  // [5] + [1] and [1] + [5].
  EXPECT_EQ((Tensor::arange(5) + Tensor::from({10})).to_vector(), (Values{10, 11, 12, 13, 14}));
  EXPECT_EQ((Tensor::from({10}) - Tensor::arange(5)).to_vector(), (Values{10, 9, 8, 7, 6}));
}

TEST(Elementwise, BroadcastScalarsAndEmpty) {
  Tensor m = Tensor::from({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor two = Tensor::scalar(2);  // shape []
  EXPECT_EQ((two - m).shape(), (Shape{2, 3}));
  EXPECT_EQ((two - m).to_vector(), (Values{1, 0, -1, -2, -3, -4}));
  EXPECT_EQ((m - two).to_vector(), (Values{-1, 0, 1, 2, 3, 4}));
  EXPECT_EQ((two * m).to_vector(), (Values{2, 4, 6, 8, 10, 12}));
  Tensor s = two * Tensor::scalar(3);  // [] x [] stays a scalar
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(s.item(), 6);
  EXPECT_EQ((Tensor::from({1}) + two).shape(), (Shape{1}));  // [1] x [] -> [1]
  // A zero-size axis broadcasts like any other size (and there is nothing to compute).
  EXPECT_EQ((Tensor::zeros({0, 3}) + Tensor::ones({3})).shape(), (Shape{0, 3}));
  EXPECT_EQ((Tensor::zeros({0, 3}) * Tensor::ones({1})).shape(), (Shape{0, 3}));
}

TEST(Elementwise, NamedBinaryOpsBroadcast) {
  Tensor a = Tensor::from({1, 2, 3, 4}, {2, 2});
  Tensor b = Tensor::from({1, 2});
  EXPECT_EQ(div(a, b).to_vector(), (Values{1, 1, 3, 2}));  // [[1/1, 2/2], [3/1, 4/2]]
  Tensor c = Tensor::from({1, 5, 3, 0}, {2, 2}), two = Tensor::from({2, 2});
  EXPECT_EQ(maximum(c, two).to_vector(), (Values{2, 5, 3, 2}));
  EXPECT_EQ(minimum(c, two).to_vector(), (Values{1, 2, 2, 0}));
  Tensor p = pow(a, Tensor::from({2, 0.5f}));  // [[1², √2], [3², √4]]
  EXPECT_EQ(p.at({0, 0}), 1);
  EXPECT_NEAR(p.at({0, 1}), 1.4142136f, 1e-6f);
  EXPECT_EQ(p.at({1, 0}), 9);
  EXPECT_EQ(p.at({1, 1}), 2);
  // Scalar exponents, including the x·x shortcut for p = 2 on negative numbers.
  EXPECT_EQ(pow(Tensor::from({-3, 0.5f}), 2).to_vector(), (Values{9, 0.25f}));
  EXPECT_EQ(pow(Tensor::from({-3, 0.5f}), 3).to_vector(), (Values{-27, 0.125f}));
  // Operator sugar with a real on the right or the left.
  EXPECT_EQ((b - 1).to_vector(), (Values{0, 1}));
  EXPECT_EQ((2 * b).to_vector(), (Values{2, 4}));
  EXPECT_EQ((b / 2).to_vector(), (Values{0.5f, 1}));
  EXPECT_EQ((-b).to_vector(), (Values{-1, -2}));
}

TEST(Elementwise, UnaryKernels) {
  Tensor x = Tensor::from({-2, 0, 3});
  EXPECT_EQ(abs(x).to_vector(), (Values{2, 0, 3}));
  EXPECT_EQ(relu(x).to_vector(), (Values{0, 0, 3}));
  EXPECT_EQ(neg(x).to_vector(), (Values{2, 0, -3}));
  EXPECT_EQ(clamp(x, -1, 1).to_vector(), (Values{-1, 0, 1}));
  EXPECT_EQ(clamp(x, 0.5f, 0.5f).to_vector(), (Values{0.5f, 0.5f, 0.5f}));  // low == high is allowed
  // σ(±100): e^100 overflows float to inf, so the kernel must never evaluate it
  // (e^x/(1 + e^x) at x = 100 would be inf/inf = NaN).
  Tensor s = sigmoid(Tensor::from({-100, 0, 100}));
  EXPECT_FALSE(std::isnan(s[0]) || std::isnan(s[2]));
  EXPECT_NEAR(s[0], 0, 1e-30f);
  EXPECT_EQ(s[1], 0.5f);
  EXPECT_EQ(s[2], 1);
}

TEST(Elementwise, InPlaceAddBroadcastsIntoTheLeftShape) {
  Tensor a = Tensor::from({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor view = a.reshape({6});  // shares a's storage: in-place updates must show through it
  add_(a, Tensor::from({10, 20, 30}));
  EXPECT_EQ(a.to_vector(), (Values{11, 22, 33, 14, 25, 36}));
  EXPECT_EQ(view[5], 36);
  add_(a, Tensor::from({100, 200}, {2, 1}));
  EXPECT_EQ(a.to_vector(), (Values{111, 122, 133, 214, 225, 236}));
  add_(a, Tensor::scalar(-100));
  EXPECT_EQ(view.to_vector(), (Values{11, 22, 33, 114, 125, 136}));
  add_(a, a);  // same shape, aliasing itself: every element doubles
  EXPECT_EQ(a.to_vector(), (Values{22, 44, 66, 228, 250, 272}));

  Tensor x = Tensor::from({1, 2});
  axpy_(x, 0.5f, Tensor::from({10, 20}));  // x += 0.5·[10, 20]
  EXPECT_EQ(x.to_vector(), (Values{6, 12}));
  scale_(x, 3);
  EXPECT_EQ(x.to_vector(), (Values{18, 36}));
}

TEST(Elementwise, InPlaceErrors) {
  // b may broadcast into a, but a cannot grow: [2, 3] does not fit into [3].
  EXPECT_EQ(error_of([] {
              Tensor a = Tensor::zeros({3});
              add_(a, Tensor::zeros({2, 3}));
            }),
            "add_: cannot add [2, 3] into [3] in place");
  EXPECT_EQ(error_of([] {
              Tensor a = Tensor::zeros({2, 3});
              add_(a, Tensor::zeros({4}));
            }),
            "add_: shapes do not broadcast: [2, 3] and [4]");
  EXPECT_EQ(error_of([] {
              Tensor a = Tensor::zeros({2});
              axpy_(a, 1, Tensor::zeros({1}));
            }),
            "axpy_: shapes differ: [2] and [1]");
}

TEST(Elementwise, ComparisonsGiveMasks) {
  Tensor a = Tensor::from({1, 2, 3}), b = Tensor::from({2, 2, 2});
  EXPECT_EQ(eq(a, b).to_vector(), (Values{0, 1, 0}));
  EXPECT_EQ(ne(a, b).to_vector(), (Values{1, 0, 1}));
  EXPECT_EQ(lt(a, b).to_vector(), (Values{1, 0, 0}));
  EXPECT_EQ(le(a, b).to_vector(), (Values{1, 1, 0}));
  EXPECT_EQ(gt(a, b).to_vector(), (Values{0, 0, 1}));
  EXPECT_EQ(ge(a, b).to_vector(), (Values{0, 1, 1}));
  // [2, 1] against [3]: a [2, 3] table of comparisons, [[1 < 1, 1 < 2, 1 < 3], [2 < 1, 2 < 2, 2 < 3]].
  Tensor col = Tensor::from({1, 2}, {2, 1});
  EXPECT_EQ(lt(col, a).shape(), (Shape{2, 3}));
  EXPECT_EQ(lt(col, a).to_vector(), (Values{0, 1, 1, 0, 0, 1}));
  EXPECT_EQ(eq(col, a).to_vector(), (Values{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(ge(a, Tensor::scalar(2)).to_vector(), (Values{0, 1, 1}));
  EXPECT_THROW(eq(a, Tensor::zeros({2})), Error);
}

TEST(Elementwise, BadBroadcastAndClampErrorsNameTheOp) {
  EXPECT_EQ(error_of([] { add(Tensor::zeros({2, 3}), Tensor::zeros({4})); }),
            "add: shapes do not broadcast: [2, 3] and [4]");
  EXPECT_EQ(error_of([] { mul(Tensor::zeros({2, 1, 4}), Tensor::zeros({3, 2})); }),
            "mul: shapes do not broadcast: [2, 1, 4] and [3, 2]");
  EXPECT_EQ(error_of([] { maximum(Tensor::zeros({0, 3}), Tensor::zeros({2, 3})); }),
            "maximum: shapes do not broadcast: [0, 3] and [2, 3]");
  EXPECT_THROW(sub(Tensor::zeros({3}), Tensor::zeros({2})), Error);
  EXPECT_THROW(div(Tensor::zeros({3}), Tensor::zeros({2})), Error);
  EXPECT_THROW(pow(Tensor::zeros({3}), Tensor::zeros({2})), Error);
  EXPECT_EQ(error_of([] { clamp(Tensor::zeros({2}), 2, 1); }), "clamp: low 2 is above high 1");
}

}  // namespace
}  // namespace atn
