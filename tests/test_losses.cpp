// nn/losses.h: binary cross-entropy on logits (stable at ±100, equal to the naive formula at
// moderate values, gradient σ(x) − t), the KL divergence (hand values, zero when p = q, the
// 0·log 0 convention, PyTorch's batchmean), the re-exported cross_entropy, and the softplus and
// kl_div_pointwise ops of autograd/ops_extra.h. Gradcheck and errors for each.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_extra.h"
#include "autograd/ops_math.h"
#include "autograd/ops_softmax.h"
#include "nn/losses.h"
#include "tensor/rng.h"
#include "tensor/shape_ops.h"

namespace atn {
namespace {

using Vars = std::vector<Var>;
using V = std::vector<real>;

void expect_gradcheck(const GradcheckFn& fn, const Vars& inputs, const std::string& what) {
  const auto r = gradcheck(fn, inputs);
  EXPECT_TRUE(r.ok) << what << "\n" << r.report;
}

TEST(Softplus, ValuesStabilityAndGradient) {
  // softplus(0) = log 2 = 0.693147; softplus(100) = 100 + log(1 + e^−100) = 100 in float;
  // softplus(−100) = log(1 + e^−100) ≈ e^−100 = 3.72e−44, tiny but not lost to 0 − 0.
  const Var x = param(Tensor::from({0, 100, -100, 1}));
  const Tensor y = softplus(x).value();
  EXPECT_NEAR(y[0], 0.693147f, 1e-6f);
  EXPECT_EQ(y[1], 100);
  EXPECT_GT(y[2], 0);
  EXPECT_LT(y[2], 1e-43f);
  EXPECT_NEAR(y[3], 1.313262f, 1e-6f);  // log(1 + e)
  backward(sum(softplus(x)));
  // d/dx = σ(x): 0.5 at 0 exactly (a relu/abs composition would give 0 there), 1, 0, 0.731059.
  EXPECT_EQ(x.grad()[0], 0.5f);
  EXPECT_EQ(x.grad()[1], 1);
  EXPECT_NEAR(x.grad()[2], 0, 1e-40f);  // σ(−100) = 3.7e−44, a float denormal
  EXPECT_NEAR(x.grad()[3], 0.731059f, 1e-6f);
  Rng rng(1);
  expect_gradcheck([](const Vars& v) { return softplus(v[0]); }, {param(Tensor::randn({3, 4}, rng, 0, 3))}, "softplus");
}

TEST(BCEWithLogits, EqualsTheNaiveFormulaAtModerateValues) {
  // Per element −[t log σ(x) + (1 − t) log(1 − σ(x))]; e.g. x = 0, t = 1: −log 0.5 = 0.693147;
  // x = −2, t = 0: −log(1 − σ(−2)) = log(1 + e^−2) = 0.126928. Mean of the five: 0.423363.
  const Var x(Tensor::from({-2, -0.5f, 0, 0.5f, 3})), t(Tensor::from({0, 0.3f, 1, 0.7f, 1}));
  const Tensor none = binary_cross_entropy_with_logits(x, t, Reduction::none).value();
  EXPECT_NEAR(none[0], 0.126928f, 1e-6f);
  EXPECT_NEAR(none[2], 0.693147f, 1e-6f);
  EXPECT_NEAR(binary_cross_entropy_with_logits(x, t).item(), 0.423363f, 1e-6f);
  EXPECT_NEAR(binary_cross_entropy_with_logits(x, t, Reduction::sum).item(), 5 * 0.423363f, 5e-6f);
  // The naive formula from ops agrees here.
  const Var s = sigmoid(x);
  const Var naive = -(t * log(s) + (1.0f - t) * log(1.0f - s));
  EXPECT_LT(max_abs_diff(none, naive.value()), 1e-6f);
}

TEST(BCEWithLogits, StableAtPlusMinus100) {
  // Confident and right: loss 0 (or ~e^−100); confident and wrong: loss 100. The naive formula
  // takes log(1 − σ(100)) = log(1 − 1) = −inf and returns inf.
  const Var x = param(Tensor::from({100, 100, -100, -100}));
  const Var t(Tensor::from({1, 0, 0, 1}));
  const Var loss = binary_cross_entropy_with_logits(x, t, Reduction::none);
  const V want = {0, 100, 0, 100};  // the third is log(1 + e^−100) = 3.7e−44
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(loss.value()[int64_t(i)], want[i], 1e-40f) << i;
  const Var s = sigmoid(Var(x.value()));
  EXPECT_TRUE(std::isinf((-(t * log(s) + (1.0f - t) * log(1.0f - s))).value()[1]));
  // Gradient σ(x) − t: 0, 1, 0, −1, all finite.
  backward(sum(loss));
  const V grad = {0, 1, 0, -1};
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(x.grad()[int64_t(i)], grad[i], 1e-40f) << i;
}

TEST(BCEWithLogits, GradcheckLogitsAndTargets) {
  Rng rng(2);
  const Var x = param(Tensor::randn({3, 4}, rng, 0, 2)), t = param(Tensor::rand({3, 4}, rng, 0.05f, 0.95f));
  for (Reduction r : {Reduction::mean, Reduction::sum, Reduction::none})
    expect_gradcheck([r](const Vars& v) { return binary_cross_entropy_with_logits(v[0], v[1], r); }, {x, t}, "bce");
  // At x = 0 the gradient is σ(0) − t = 0.5 − t exactly.
  const Var z = param(Tensor::zeros({2}));
  backward(binary_cross_entropy_with_logits(z, Var(Tensor::from({1, 0.25f})), Reduction::sum));
  EXPECT_EQ(z.grad().to_vector(), (V{-0.5f, 0.25f}));
}

TEST(KLDiv, ByHandAndBatchmean) {
  // Row 0: p = [0.5, 0.5, 0], q = [0.25, 0.25, 0.5]: 0.5 log 2 + 0.5 log 2 + 0 = log 2 = 0.693147.
  // Row 1: p = [1, 0, 0], q = [0.5, 0.25, 0.25]: 1·log(1/0.5) = log 2.
  // batchmean: (2 log 2)/2 = log 2; sum: 2 log 2 = 1.386294.
  const Var lq(Tensor::from(
      {std::log(0.25f), std::log(0.25f), std::log(0.5f), std::log(0.5f), std::log(0.25f), std::log(0.25f)}, {2, 3}));
  const Var p(Tensor::from({0.5f, 0.5f, 0, 1, 0, 0}, {2, 3}));
  EXPECT_NEAR(kl_div(lq, p).item(), 0.693147f, 1e-6f);
  EXPECT_NEAR(kl_div(lq, p, Reduction::sum).item(), 1.386294f, 1e-6f);
  const Tensor none = kl_div(lq, p, Reduction::none).value();
  EXPECT_EQ(none.shape(), (Shape{2, 3}));
  EXPECT_NEAR(none[0], 0.346574f, 1e-6f);
  EXPECT_EQ(none[2], 0);
  // PyTorch's batchmean divides by size(0) only: for [2, 2, 3] the same six terms twice
  // make a total of 4 log 2, over 2.
  const Var lq3(concat(std::vector<Tensor>{lq.value(), lq.value()}, 0).reshape({2, 2, 3}));
  const Var p3(concat(std::vector<Tensor>{p.value(), p.value()}, 0).reshape({2, 2, 3}));
  EXPECT_NEAR(kl_div(lq3, p3).item(), 2 * 0.693147f, 2e-6f);
}

TEST(KLDiv, ZeroWhenPEqualsQAndZeroProbabilitiesContributeNothing) {
  Rng rng(3);
  const Var z = param(Tensor::randn({3, 5}, rng));
  const Var p(softmax(Var(z.value())).value());
  const Var loss = kl_div(log_softmax(z), p);
  EXPECT_NEAR(loss.item(), 0, 1e-6f);
  backward(loss);  // a minimum: the gradient with respect to the logits vanishes
  for (real g : z.grad()) EXPECT_NEAR(g, 0, 1e-6f);
  // p = 0 where q = 0 (log q = −inf, a masked position): the term is 0, not 0·inf = NaN.
  const Var lq = param(Tensor::from({-INFINITY, std::log(0.5f), std::log(0.5f)}, {1, 3}));
  const Var pp = param(Tensor::from({0, 0.5f, 0.5f}, {1, 3}));
  const Var masked = kl_div(lq, pp);
  EXPECT_EQ(masked.item(), 0);
  backward(masked);
  for (real g : lq.grad()) EXPECT_FALSE(std::isnan(g));
  for (real g : pp.grad()) EXPECT_FALSE(std::isnan(g));
  EXPECT_EQ(lq.grad()[0], 0);
  EXPECT_EQ(pp.grad()[0], 0);
}

TEST(KLDiv, Gradcheck) {
  Rng rng(4);
  const Var lq = param(Tensor::randn({3, 4}, rng)), p = param(Tensor::rand({3, 4}, rng, 0.1f, 1));
  for (Reduction r : {Reduction::mean, Reduction::sum, Reduction::none})
    expect_gradcheck([r](const Vars& v) { return kl_div(v[0], v[1], r); }, {lq, p}, "kl_div");
  // Through log_softmax, as used: KL(p ‖ softmax(z)) with respect to the logits z.
  const Var z = param(Tensor::randn({2, 5}, rng));
  const Var target(softmax(Var(Tensor::randn({2, 5}, rng))).value());
  expect_gradcheck([target](const Vars& v) { return kl_div(log_softmax(v[0]), target); }, {z}, "kl_div(log_softmax)");
}

TEST(Losses, CrossEntropyIsReExported) {
  // Uniform logits over C = 4 classes: −log(1/4) = log 4 = 1.386294, whatever the target.
  const Var logits(Tensor::zeros({2, 4}));
  EXPECT_NEAR(cross_entropy(logits, Tensor::from({0, 3})).item(), 1.386294f, 1e-6f);
  EXPECT_NEAR(nll_loss(log_softmax(logits), Tensor::from({1, 2}), {.reduction = Reduction::sum}).item(), 2 * 1.386294f,
              1e-5f);
  EXPECT_EQ(mse(Var(Tensor::from({1, 3})), Var(Tensor::from({0, 0}))).item(), 5);  // (1 + 9)/2
}

TEST(Losses, Errors) {
  const Var x(Tensor::zeros({2, 3}));
  try {
    binary_cross_entropy_with_logits(x, Var(Tensor::zeros({3, 2})));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "binary_cross_entropy_with_logits: shapes differ: logits [2, 3] vs targets [3, 2]");
  }
  EXPECT_THROW(binary_cross_entropy_with_logits(x, Var(Tensor::full({2, 3}, 1.5f))), Error);  // t > 1
  EXPECT_THROW(binary_cross_entropy_with_logits(x, Var(Tensor::full({2, 3}, -0.1f))), Error);
  EXPECT_THROW(binary_cross_entropy_with_logits(Var(Tensor::zeros({0})), Var(Tensor::zeros({0}))), Error);
  EXPECT_THROW(kl_div(x, Var(Tensor::zeros({2, 4}))), Error);        // shapes
  EXPECT_THROW(kl_div(x, Var(Tensor::full({2, 3}, -0.5f))), Error);  // negative p
  EXPECT_THROW(kl_div(Var(Tensor::scalar(0)), Var(Tensor::scalar(1))), Error);
  EXPECT_THROW(kl_div_pointwise(x, Var(Tensor::zeros({3}))), Error);
}

}  // namespace
}  // namespace atn
