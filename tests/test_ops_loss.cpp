// cross_entropy, nll_loss and mse: hand values, ignore_index, label smoothing, agreement with
// the same loss built from composed ops, gradients, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_softmax.h"
#include "tensor/rng.h"

namespace atn {
namespace {

// log_softmax([1,2,3]) = [−2.407606, −1.407606, −0.407606] (see test_softmax.cpp).
TEST(OpsLoss, CrossEntropyHandValue) {
  // −log softmax([1,2,3])₂ = log(1 + e⁻¹ + e⁻²) = log 1.503215 = 0.407606
  Var logits = param(Tensor::from({1, 2, 3}, {1, 3}));
  Var loss = cross_entropy(logits, Tensor::from({2}, {1}));
  EXPECT_NEAR(loss.item(), 0.407606f, 1e-6f);
  // Unbatched: logits [C] with a scalar target.
  EXPECT_NEAR(cross_entropy(Var(Tensor::from({1, 2, 3})), Tensor::scalar(2)).item(), 0.407606f, 1e-6f);
  // dloss/dlogits = softmax − onehot = [0.090031, 0.244728, 0.665241 − 1]
  backward(loss);
  EXPECT_NEAR(logits.grad()[0], 0.090031f, 1e-6f);
  EXPECT_NEAR(logits.grad()[1], 0.244728f, 1e-6f);
  EXPECT_NEAR(logits.grad()[2], -0.334759f, 1e-6f);
}

TEST(OpsLoss, IgnoredTargetsLeaveTheMeanAndTheGradient) {
  // Rows: [1,2,3]→2 (0.407606), [1,2,3] ignored, [0,0,0]→0 (log 3 = 1.098612).
  Var logits = param(Tensor::from({1, 2, 3, 1, 2, 3, 0, 0, 0}, {3, 3}));
  const Tensor targets = Tensor::from({2, -100, 0});
  EXPECT_NEAR(cross_entropy(logits, targets).item(), (0.407606f + 1.098612f) / 2, 1e-6f);  // mean over 2, not 3
  EXPECT_NEAR(cross_entropy(logits, targets, {.reduction = Reduction::sum}).item(), 1.506218f, 1e-6f);
  const Tensor none = cross_entropy(logits, targets, {.reduction = Reduction::none}).value();
  EXPECT_EQ(none.shape(), (Shape{3}));
  EXPECT_NEAR(none[0], 0.407606f, 1e-6f);
  EXPECT_EQ(none[1], 0);
  EXPECT_NEAR(none[2], 1.098612f, 1e-6f);
  // ignore_index may be a real class (PAD = 0): then row 2 is the one left out.
  EXPECT_NEAR(cross_entropy(logits, Tensor::from({2, 1, 0}), {.ignore_index = 0}).item(), (0.407606f + 1.407606f) / 2,
              1e-6f);

  Tape::current().clear();
  Var loss = cross_entropy(logits, targets);
  backward(loss);
  for (int64_t j = 3; j < 6; ++j) EXPECT_EQ(logits.grad()[j], 0);
  // The last row's gradient is (softmax − onehot)/count = ([1/3, 1/3, 1/3] − [1, 0, 0]) / 2.
  EXPECT_NEAR(logits.grad()[6], -1 / 3.f, 1e-6f);
  EXPECT_NEAR(logits.grad()[7], 1 / 6.f, 1e-6f);
}

TEST(OpsLoss, AllTargetsIgnoredGivesZeroLossAndZeroGradient) {
  Var logits = param(Tensor::from({1, 2, 3, 4}, {2, 2}));
  Var loss = cross_entropy(logits, Tensor::from({-100, -100}));
  EXPECT_EQ(loss.item(), 0);
  backward(loss);
  for (real g : logits.grad()) EXPECT_EQ(g, 0);
}

TEST(OpsLoss, LabelSmoothingHandValue) {
  // ε = 0.1, C = 3, target 2: q = [0.1/3, 0.1/3, 0.9 + 0.1/3] (PyTorch: ε over all C classes).
  // loss = 0.9·0.407606 + (0.1/3)·(2.407606 + 1.407606 + 0.407606) = 0.366845 + 0.140761 = 0.507606
  Var logits = param(Tensor::from({1, 2, 3}, {1, 3}));
  Var loss = cross_entropy(logits, Tensor::from({2}, {1}), {.label_smoothing = 0.1f});
  EXPECT_NEAR(loss.item(), 0.507606f, 1e-6f);
  // dlogits = softmax − q = [0.090031 − 0.033333, 0.244728 − 0.033333, 0.665241 − 0.933333]
  backward(loss);
  EXPECT_NEAR(logits.grad()[0], 0.056698f, 1e-6f);
  EXPECT_NEAR(logits.grad()[1], 0.211395f, 1e-6f);
  EXPECT_NEAR(logits.grad()[2], -0.268092f, 1e-6f);
}

// The same loss through composed ops: −Σ(log_softmax(x) ⊙ Q) / count, with Q the smoothed one-hot
// rows (zero for ignored rows). Values and gradients must agree with the fused op.
// Annotated Transformer style, C = 4, padding class 0, ε = 0.2, target 2:
//   q = [0, 0.2/2, 0.8, 0.2/2] = [0, 0.1, 0.8, 0.1]   (nothing on the padding class)
// logits [1, 2, 3, 0]: log Z = log(e + e² + e³ + 1) = 3.4401897;  lp = x − log Z
//   loss = −(0.1·(2 − logZ) + 0.8·(3 − logZ) + 0.1·(0 − logZ)) = logZ − 2.6 = 0.8401897
// dloss/dx = softmax(x) − q.
TEST(OpsLoss, AnnotatedTransformerSmoothingHandValueAndGradient) {
  Var x = param(Tensor::from({1, 2, 3, 0}, {1, 4}));
  CrossEntropyOptions o{.ignore_index = 0, .label_smoothing = 0.2f,
                        .smoothing_style = SmoothingStyle::annotated_transformer};
  Var loss = cross_entropy(x, Tensor::from({2}, {1}), o);
  EXPECT_NEAR(loss.item(), 0.8401897, 1e-5);
  backward(loss);
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0) + 1.0;
  const double q[4] = {0, 0.1, 0.8, 0.1}, xs[4] = {1, 2, 3, 0};
  for (int j = 0; j < 4; ++j) EXPECT_NEAR(x.grad()[j], std::exp(xs[j]) / z - q[j], 1e-6) << j;
  // nll_loss on the log-probabilities gives the same value, and rows whose target is padding
  // are still ignored.
  Var x2(Tensor::from({1, 2, 3, 0, 5, 5, 5, 5}, {2, 4}));
  EXPECT_NEAR(nll_loss(log_softmax(x2), Tensor::from({2, 0}), o).item(), 0.8401897, 1e-5);
  Rng rng(3);
  auto r = gradcheck([&](const std::vector<Var>& v) { return cross_entropy(v[0], Tensor::from({2, 1, 0}), o); },
                     {param(Tensor::randn({3, 4}, rng))});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(OpsLoss, AnnotatedTransformerSmoothingNeedsAPaddingClass) {
  Var x(Tensor::zeros({1, 4}));
  CrossEntropyOptions o{.label_smoothing = 0.1f, .smoothing_style = SmoothingStyle::annotated_transformer};
  try {
    cross_entropy(x, Tensor::from({1}, {1}), o);  // ignore_index −100 is not a class
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "cross_entropy: annotated_transformer smoothing needs ignore_index to be the padding class in [0, 4), "
                 "got -100");
  }
  o.ignore_index = 0;
  EXPECT_THROW(cross_entropy(Var(Tensor::zeros({1, 2})), Tensor::from({1}, {1}), o), Error);  // C < 3
}

TEST(OpsLoss, CrossEntropyMatchesComposedLogSoftmaxPick) {
  Rng rng(5);
  const int64_t B = 2, T = 3, C = 4;
  const Tensor targets = Tensor::from({3, 0, -100, 1, 2, 2}, {B, T});
  for (real eps : {0.0f, 0.2f}) {
    Var x = param(Tensor::randn({B, T, C}, rng, 0, 2));
    Tensor q({B, T, C});
    real count = 0;
    for (int64_t i = 0; i < B * T; ++i) {
      if (targets[i] == -100) continue;
      count += 1;
      for (int64_t j = 0; j < C; ++j) q[i * C + j] = eps / C + (j == int64_t(targets[i]) ? 1 - eps : 0);
    }
    Var fused = cross_entropy(x, targets, {.label_smoothing = eps});
    backward(fused);
    const Tensor fused_grad = x.grad().clone();
    x.zero_grad();
    Var composed = -sum(log_softmax(x) * constant(q)) / count;
    backward(composed);
    EXPECT_NEAR(fused.item(), composed.item(), 1e-5f) << "eps " << eps;
    EXPECT_TRUE(allclose(fused_grad, x.grad(), 1e-5f, 1e-6f)) << "eps " << eps;
    // nll_loss on log-probabilities is the other half of the same identity.
    EXPECT_NEAR(nll_loss(log_softmax(x), targets, {.label_smoothing = eps}).item(), fused.item(), 1e-5f);
    Tape::current().clear();
  }
}

TEST(OpsLoss, MaskedLogitOnlyMattersWithSmoothing) {
  // A −inf logit on a non-target class: ε = 0 ignores it; ε > 0 puts mass there → loss inf.
  constexpr real kInf = std::numeric_limits<real>::infinity();
  Var logits(Tensor::from({0, -kInf, 0}, {1, 3}));
  EXPECT_NEAR(cross_entropy(logits, Tensor::from({0}, {1})).item(), std::log(2.0f), 1e-6f);
  EXPECT_EQ(cross_entropy(logits, Tensor::from({0}, {1}), {.label_smoothing = 0.1f}).item(), kInf);
}

TEST(OpsLoss, GradcheckCrossEntropyAndNll) {
  Rng rng(9);
  const Tensor t2 = Tensor::from({4, 0, -100, 2});        // with an ignored row
  const Tensor t3 = Tensor::from({1, 0, 3, 2, -100, 4}, {2, 3});
  for (real eps : {0.0f, 0.1f})
    for (Reduction red : {Reduction::mean, Reduction::sum, Reduction::none}) {
      const CrossEntropyOptions o{.label_smoothing = eps, .reduction = red};
      Var x2 = param(Tensor::randn({4, 5}, rng)), x3 = param(Tensor::randn({2, 3, 5}, rng));
      auto r = gradcheck([&](const std::vector<Var>& v) { return cross_entropy(v[0], t2, o); }, {x2});
      EXPECT_TRUE(r.ok) << "eps " << eps << " reduction " << int(red) << "\n" << r.report;
      r = gradcheck([&](const std::vector<Var>& v) { return cross_entropy(v[0], t3, o); }, {x3});
      EXPECT_TRUE(r.ok) << "3-D eps " << eps << " reduction " << int(red) << "\n" << r.report;
      r = gradcheck([&](const std::vector<Var>& v) { return nll_loss(v[0], t2, o); }, {x2});
      EXPECT_TRUE(r.ok) << "nll eps " << eps << " reduction " << int(red) << "\n" << r.report;
    }
}

TEST(OpsLoss, MseValuesAndGradcheck) {
  // ((1−1)² + (2−0)² + (3−0)²) / 3 = 13/3
  Var p = param(Tensor::from({1, 2, 3})), t = param(Tensor::from({1, 0, 0}));
  EXPECT_NEAR(mse(p, t).item(), 13.0f / 3, 1e-6f);
  EXPECT_NEAR(mse(p, t, Reduction::sum).item(), 13.0f, 1e-6f);
  EXPECT_EQ(mse(p, t, Reduction::none).value().to_vector(), (std::vector<real>{0, 4, 9}));
  Tape::current().clear();
  Rng rng(3);
  for (Reduction red : {Reduction::mean, Reduction::sum, Reduction::none}) {
    Var a = param(Tensor::randn({3, 4}, rng)), b = param(Tensor::randn({3, 4}, rng));
    auto r = gradcheck([red](const std::vector<Var>& v) { return mse(v[0], v[1], red); }, {a, b});
    EXPECT_TRUE(r.ok) << "reduction " << int(red) << "\n" << r.report;
  }
}

TEST(OpsLoss, Errors) {
  Var logits(Tensor::zeros({2, 5}));
  try {
    cross_entropy(logits, Tensor::from({1, 5}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "cross_entropy: target 5 at position 1 is out of range [0, 5) for input of shape [2, 5]");
  }
  EXPECT_THROW(cross_entropy(logits, Tensor::from({1, -1})), Error);     // negative, not the ignore_index
  EXPECT_THROW(cross_entropy(logits, Tensor::from({1.5f, 0})), Error);   // not a whole number
  EXPECT_THROW(cross_entropy(logits, Tensor::from({std::nanf(""), 0})), Error);
  EXPECT_THROW(cross_entropy(logits, Tensor::from({1, 2, 3})), Error);   // targets shape [3] vs [2]
  EXPECT_THROW(cross_entropy(logits, Tensor::from({1, 2}, {2, 1})), Error);
  EXPECT_THROW(cross_entropy(Var(Tensor::scalar(1)), Tensor::scalar(0)), Error);
  EXPECT_THROW(cross_entropy(logits, Tensor::from({1, 2}), {.label_smoothing = 1.5f}), Error);
  EXPECT_THROW(cross_entropy(logits, Tensor::from({1, 2}), {.label_smoothing = -0.1f}), Error);
  EXPECT_THROW(nll_loss(logits, Tensor::from({0, 7})), Error);
  EXPECT_THROW(mse(Var(Tensor::zeros({2, 3})), Var(Tensor::zeros({3}))), Error);  // no broadcasting
  EXPECT_THROW(mse(Var(Tensor::zeros({0})), Var(Tensor::zeros({0}))), Error);     // mean of nothing
}

}  // namespace
}  // namespace atn
