// Nadaraya–Watson kernel regression (nn/attention/kernel_regression.h).
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/tape.h"
#include "nn/attention/kernel_regression.h"
#include "tensor/reduce.h"
#include "tensor/rng.h"

namespace atn {
namespace {

// Forward passes through modules record on the thread-local tape; clear it after each test so
// no test leaves entries behind for the next one.
struct CleanTape : ::testing::Test {
  void TearDown() override { Tape::current().clear(); }
};
struct NadarayaWatsonTest : CleanTape {};

// Three training points (0, 1), (1, 2), (2, 4).
const Var x_train(Tensor::from({0, 1, 2}));
const Var y_train(Tensor::from({1, 2, 4}));

TEST_F(NadarayaWatsonTest, GaussianByHand) {
  NadarayaWatson nw(Kernel::gaussian, 1);
  EXPECT_EQ(nw.named_parameters()[0].first, "log_width");
  EXPECT_NEAR(nw.width(), 1, 1e-6f);
  EXPECT_EQ(nw.type_name(), "NadarayaWatson(gaussian)");
  // Query 0.5, h = 1: u = [0.5, −0.5, −1.5], K = exp(−u²/2) = [e^−0.125, e^−0.125, e^−1.125].
  const double k0 = std::exp(-0.125), k2 = std::exp(-1.125), total = 2 * k0 + k2;
  auto [pred, w] = nw(Var(Tensor::from({0.5f})), x_train, y_train);
  ASSERT_EQ(w.shape(), (Shape{1, 3}));
  EXPECT_NEAR(w.value()[0], k0 / total, 1e-6);
  EXPECT_NEAR(w.value()[1], k0 / total, 1e-6);
  EXPECT_NEAR(w.value()[2], k2 / total, 1e-6);
  EXPECT_NEAR(pred.value()[0], (k0 * 1 + k0 * 2 + k2 * 4) / total, 1e-5);  // ≈ 1.8884
  // Width 2 halves u: u = [0.25, −0.25, −0.75].
  NadarayaWatson wide(Kernel::gaussian, 2);
  const double w0 = std::exp(-0.03125), w2 = std::exp(-0.28125);
  EXPECT_NEAR(wide(Var(Tensor::from({0.5f})), x_train, y_train).weights.value()[2], w2 / (2 * w0 + w2), 1e-6);
}

TEST_F(NadarayaWatsonTest, CompactKernelsByHand) {
  Var q(Tensor::from({0.5f, 1.8f}));
  // Boxcar, h = 0.6. Query 0.5: |u| = [0.83, 0.83, 2.5] → weights [½, ½, 0], prediction 1.5.
  // Query 1.8: |u| = [3, 1.33, 0.33] → only x = 2, prediction 4.
  auto [pb, wb] = NadarayaWatson(Kernel::boxcar, 0.6f)(q, x_train, y_train);
  EXPECT_EQ(wb.value().to_vector(), (std::vector<real>{0.5f, 0.5f, 0, 0, 0, 1}));
  EXPECT_EQ(pb.value().to_vector(), (std::vector<real>{1.5f, 4}));
  // Epanechnikov, h = 1. Query 0.5: K = 1 − u² = [0.75, 0.75, 0] → prediction 1.5.
  // Query 1.8: u = [1.8, 0.8, −0.2] → K = [0, 0.36, 0.96], weights [0, 0.36, 0.96]/1.32.
  auto [pe, we] = NadarayaWatson(Kernel::epanechnikov, 1)(q, x_train, y_train);
  EXPECT_NEAR(we.value()[0], 0.5f, 1e-6f);
  EXPECT_NEAR(pe.value()[0], 1.5f, 1e-6f);
  EXPECT_NEAR(we.value()[4], 0.36f / 1.32f, 1e-5f);
  EXPECT_NEAR(pe.value()[1], (0.36f * 2 + 0.96f * 4) / 1.32f, 1e-5f);
  // Constant: the mean of y, 7/3, whatever the query.
  auto [pc, wc] = NadarayaWatson(Kernel::constant)(q, x_train, y_train);
  EXPECT_NEAR(pc.value()[0], 7.0f / 3, 1e-6f);
  EXPECT_NEAR(pc.value()[1], 7.0f / 3, 1e-6f);
  for (const Var& w : {wb, we, wc})
    for (real s : sum(w.value(), 1)) EXPECT_NEAR(s, 1, 1e-6f);
}

TEST_F(NadarayaWatsonTest, EmptyWindowGivesZeroNotNaN) {
  for (Kernel k : {Kernel::boxcar, Kernel::epanechnikov}) {
    NadarayaWatson nw(k, 0.5f);
    Var q = param(Tensor::from({10, 0.2f}));  // 10 is far from every training point
    Var yt = param(y_train.value().clone());
    auto [pred, w] = nw(q, x_train, yt);
    EXPECT_EQ(pred.value()[0], 0) << kernel_name(k);
    for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(w.value()[i], 0);
    EXPECT_NEAR(pred.value()[1], 1, 1e-6f);  // 0.2 only sees x = 0
    backward(sum(pred));
    for (const Var& v : {q, yt, nw.log_width}) {
      if (!v.has_grad()) continue;
      for (real g : v.grad()) EXPECT_TRUE(std::isfinite(g)) << kernel_name(k);
    }
  }
  // A Gaussian so narrow that every exp() underflows still gives a distribution.
  auto [pred, w] = NadarayaWatson(Kernel::gaussian, 1e-3f)(Var(Tensor::from({10})), x_train, y_train);
  EXPECT_NEAR(pred.value()[0], 4, 1e-6f);  // all weight on the nearest point, x = 2
}

TEST_F(NadarayaWatsonTest, LearningTheWidthLowersTheLoss) {
  // y = 2 sin x + x + noise on 40 training points; a separate set of queries with clean targets.
  Rng rng(1);
  Tensor xt = Tensor::rand({40}, rng, 0, 5);
  Tensor yt(Shape{40});
  for (int64_t i = 0; i < 40; ++i) yt[i] = 2 * std::sin(xt[i]) + xt[i] + real(rng.normal(0, 0.3));
  Tensor xq = Tensor::arange(0.1f, 5, 0.1f), yq(xq.shape());
  for (int64_t i = 0; i < xq.numel(); ++i) yq[i] = 2 * std::sin(xq[i]) + xq[i];
  NadarayaWatson nw(Kernel::gaussian, 2);  // far too wide: oversmooths
  auto loss_now = [&] { return mse(nw(Var(xq), Var(xt), Var(yt)).prediction, Var(yq)); };
  const real start = loss_now().item();
  for (int step = 0; step < 10; ++step) {
    nw.zero_grad();
    backward(loss_now());
    nw.log_width.value()[0] -= 0.5f * nw.log_width.grad()[0];  // plain SGD on log h
  }
  const real end = loss_now().item();
  EXPECT_LT(end, 0.2f * start);
  EXPECT_LT(nw.width(), 1.5f);
}

TEST_F(NadarayaWatsonTest, Gradcheck) {
  Rng rng(2);
  // Points chosen so no |u| is near the Epanechnikov kink at 1.
  Var q = param(Tensor::from({0.3f, 1.4f})), xt = param(Tensor::from({0.1f, 0.9f, 2.3f})),
      yt = param(Tensor::randn({3}, rng));
  for (Kernel k : {Kernel::gaussian, Kernel::epanechnikov}) {
    NadarayaWatson nw(k, 1.2f);
    auto r = gradcheck([&](const std::vector<Var>& in) { return nw(in[0], in[1], in[2]).prediction; },
                       {q, xt, yt, nw.log_width});
    EXPECT_TRUE(r.ok) << kernel_name(k) << "\n" << r.report;
  }
  // The boxcar's weights are piecewise constant: only the values get a gradient.
  NadarayaWatson box(Kernel::boxcar, 1);
  auto r = gradcheck([&](const std::vector<Var>& in) { return box(in[0], in[1], in[2]).prediction; },
                     {constant(q.value()), constant(xt.value()), yt});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST_F(NadarayaWatsonTest, KernelShapes) {
  Var u(Tensor::from({-2, -0.5f, 0, 1, 1.5f}));
  EXPECT_EQ(kernel_value(Kernel::boxcar, u).value().to_vector(), (std::vector<real>{0, 1, 1, 1, 0}));
  EXPECT_EQ(kernel_value(Kernel::epanechnikov, u).value().to_vector(), (std::vector<real>{0, 0.75f, 1, 0, 0}));
  EXPECT_NEAR(kernel_value(Kernel::gaussian, u).value()[0], std::exp(-2.0), 1e-7);
  EXPECT_EQ(kernel_value(Kernel::constant, u).value().to_vector(), (std::vector<real>(5, 1)));
}

TEST_F(NadarayaWatsonTest, BadInput) {
  EXPECT_THROW(NadarayaWatson(Kernel::gaussian, 0), Error);
  EXPECT_THROW(NadarayaWatson(Kernel::gaussian, -1), Error);
  NadarayaWatson nw;
  try {
    nw(Var(Tensor::zeros({2})), x_train, Var(Tensor::zeros({4})));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "NadarayaWatson: x [2] must be [m], x_train [3] and y_train [4] [n] with the same n >= 1");
  }
  EXPECT_THROW(nw(Var(Tensor::zeros({2, 1})), x_train, y_train), Error);
  EXPECT_THROW(nw(Var(Tensor::zeros({2})), Var(Tensor::zeros({0})), Var(Tensor::zeros({0}))), Error);
}

}  // namespace
}  // namespace atn
