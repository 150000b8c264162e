// The vectorizable erf and exp of tensor/fast_math.h against std::, and the GELU built on them
// against the plain std::erf GELU (gelu_reference), forward and backward.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "tensor/activation.h"
#include "tensor/fast_math.h"
#include "tensor/rng.h"

namespace atn {
namespace {

// Values every 1e-4 over [−6, 6] (where erf goes from −1 to 1 through every regime), plus tiny
// magnitudes down to 1e-30 (where erf(x) ≈ 2x/√π must keep its relative accuracy).
std::vector<real> dense_points() {
  std::vector<real> xs;
  for (int i = -60000; i <= 60000; ++i) xs.push_back(real(i) * 1e-4f);
  for (double m = 1e-30; m < 1; m *= 1.7) {
    xs.push_back(real(m));
    xs.push_back(real(-m));
  }
  return xs;
}

TEST(FastMath, ErfMatchesStdErfToAFewUlp) {
  double worst = 0;
  real at = 0;
  for (real x : dense_points()) {
    const double exact = std::erf(double(x));
    const double got = detail::erf_approx(x);
    const double rel = exact == 0 ? std::fabs(got) : std::fabs(got - exact) / std::fabs(exact);
    if (rel > worst) worst = rel, at = x;
  }
  EXPECT_LE(worst, 2.5e-7) << "at x = " << at;
}

TEST(FastMath, ErfAtTheEdges) {
  const real inf = std::numeric_limits<real>::infinity();
  EXPECT_EQ(detail::erf_approx(0), 0);
  EXPECT_EQ(detail::erf_approx(inf), 1);
  EXPECT_EQ(detail::erf_approx(-inf), -1);
  EXPECT_EQ(detail::erf_approx(30), 1);
  EXPECT_TRUE(std::isnan(detail::erf_approx(std::numeric_limits<real>::quiet_NaN())));
  for (real x : {0.3f, 0.875f, 2.0f, 3.5f}) EXPECT_EQ(detail::erf_approx(-x), -detail::erf_approx(x));  // odd
}

TEST(FastMath, GeluAndItsBackwardAgreeWithTheStdErfReference) {
  const std::vector<real> xs = dense_points();
  const auto n = int64_t(xs.size());
  Tensor x = Tensor::from(xs);
  Tensor g = Tensor::full({n}, 1);
  for (int64_t i = 0; i < n; ++i) g[i] = real(1 + (i % 7)) * 0.25f;  // varied output gradients
  const Tensor fast = gelu(x), slow = gelu_reference(x);
  const Tensor dfast = gelu_backward(x, g), dslow = gelu_backward_reference(x, g);
  // GELU = ½x(1 + erf(x/√2)): an erf error of ε moves it by ½|x|ε; both also round once more.
  for (int64_t i = 0; i < n; ++i) {
    const real scale = std::max(real(1), std::fabs(x[i]));
    ASSERT_NEAR(fast[i], slow[i], 3e-7f * scale) << "gelu at x = " << x[i];
    ASSERT_NEAR(dfast[i], dslow[i], 1e-6f * scale * g[i]) << "gelu_backward at x = " << x[i];
  }
}

// The training pair (Φ kept by the forward, read by the backward): the same output bits as
// gelu, and the gradient of gelu_backward to rounding (its multiply-adds may fuse differently);
// the autograd op's gradient is the pair's.
TEST(FastMath, GeluKeepingCdfAgreesWithGeluAndGeluBackward) {
  const std::vector<real> xs = dense_points();
  const auto n = int64_t(xs.size());
  Tensor x = Tensor::from(xs);
  Tensor g = Tensor::full({n}, 1);
  for (int64_t i = 0; i < n; ++i) g[i] = real(1 + (i % 5)) * 0.3f;
  Tensor cdf;
  const Tensor y = gelu_keeping_cdf(x, &cdf), want_y = gelu(x);
  const Tensor dx = gelu_backward_from_cdf(x, cdf, g), want_dx = gelu_backward(x, g);
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(y[i], want_y[i]) << "at x = " << x[i];
    ASSERT_EQ(cdf[i], real(0.5) * (1 + detail::erf_approx(x[i] * real(1 / std::sqrt(2.0))))) << "at x = " << x[i];
    ASSERT_NEAR(dx[i], want_dx[i], 4e-7f * std::max(real(1), std::fabs(x[i])) * g[i]) << "at x = " << x[i];
  }
  Var v = param(Tensor::from({-2.5f, -0.3f, 0.0f, 0.7f, 3.1f}));
  Var out = gelu(v);
  backward(sum(mul(out, Var(Tensor::from({1.0f, 2.0f, 3.0f, 4.0f, 5.0f})))));
  Tensor v_cdf;
  gelu_keeping_cdf(v.value(), &v_cdf);
  const Tensor want = gelu_backward_from_cdf(v.value(), v_cdf, Tensor::from({1.0f, 2.0f, 3.0f, 4.0f, 5.0f}));
  for (int64_t i = 0; i < 5; ++i) EXPECT_EQ(v.grad()[i], want[i]);
}

TEST(FastMath, GeluOpStillPassesGradcheck) {
  Rng rng(5);
  Var x = param(Tensor::randn({3, 7}, rng, 0, 2));
  const auto r = gradcheck([](const std::vector<Var>& v) { return gelu(v[0]); }, {x});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(FastMath, GeluBackwardOfMismatchedShapesThrows) {
  EXPECT_THROW(gelu_backward(Tensor({2, 3}), Tensor({3, 2})), Error);
  EXPECT_THROW(gelu_backward_reference(Tensor({2, 3}), Tensor({6})), Error);
  EXPECT_THROW(gelu_backward_from_cdf(Tensor({2, 3}), Tensor({2, 3}), Tensor({3, 2})), Error);
  EXPECT_THROW(gelu_backward_from_cdf(Tensor({2, 3}), Tensor({6}), Tensor({2, 3})), Error);
}

}  // namespace
}  // namespace atn
