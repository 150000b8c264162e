// LayerNorm (standard and course variants), RMSNorm and BatchNorm1d: hand-computed values,
// running statistics, gradcheck with respect to the input and every parameter, names, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "nn/batch_norm.h"
#include "nn/norm.h"
#include "tensor/rng.h"
#include "tensor/shape_ops.h"
#include "tests/test_util.h"

namespace atn {
namespace {

using namespace testing_util;

// Gives the affine parameters values away from 1 and 0 so their gradients are really tested.
void randomize_parameters(Module& m, Rng& rng) {
  for (Var& p : m.parameters()) p.value().copy_from(Tensor::randn(p.shape(), rng));
}

TEST(LayerNormLayer, StandardAndCourseVariantsByHand) {
  // x = [1, 2, 3, 4]: μ = 2.5, deviations [−1.5, −0.5, 0.5, 1.5], Σd² = 5.
  // Standard: σ² = 5/4 = 1.25, √1.25 = 1.118034 → x̂ = d/1.118034 = [−1.341641, −0.447214, ...].
  // Course:   σ = √(5/3) = 1.290994 (unbiased) → d/1.290994 = [−1.161895, −0.387298, ...],
  //           i.e. Standard·√(3/4) = Standard·0.866025.
  const Var x(Tensor::from({1, 2, 3, 4}, {1, 4}));
  LayerNorm standard(4, {.eps = 0});
  LayerNorm course(4, {.eps = 0, .variant = LayerNormVariant::Course});
  const std::vector<real> want_std = {-1.341641f, -0.447214f, 0.447214f, 1.341641f};
  const std::vector<real> want_course = {-1.161895f, -0.387298f, 0.387298f, 1.161895f};
  const Tensor ys = standard(x).value(), yc = course(x).value();
  for (int j = 0; j < 4; ++j) {
    EXPECT_NEAR(ys[j], want_std[size_t(j)], 1e-5f);
    EXPECT_NEAR(yc[j], want_course[size_t(j)], 1e-5f);
  }
  // Where ε sits. Standard: 1.5/√(1.25 + ε); course: 1.5/(1.290994 + ε). With ε = 0.5:
  // 1.5/√1.75 = 1.133893 and 1.5/1.790994 = 0.837524.
  EXPECT_NEAR(LayerNorm(4, {.eps = 0.5f})(x).value()[3], 1.133893f, 1e-5f);
  EXPECT_NEAR(LayerNorm(4, {.eps = 0.5f, .variant = LayerNormVariant::Course})(x).value()[3], 0.837524f, 1e-5f);
  // With the default ε = 1e-5 the two still differ by 1.341635 − 1.161886 = 0.179749 at the end.
  EXPECT_NEAR(LayerNorm(4)(x).value()[3] - LayerNorm(4, {.variant = LayerNormVariant::Course})(x).value()[3], 0.179749f,
              1e-5f);
}

TEST(LayerNormLayer, AffineParametersNamesAndNoAffine) {
  LayerNorm ln(3);
  EXPECT_EQ(names_of(ln), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(ln.weight.value().to_vector(), (std::vector<real>{1, 1, 1}));
  EXPECT_EQ(ln.bias.value().to_vector(), (std::vector<real>{0, 0, 0}));
  EXPECT_EQ(ln.num_parameters(), 6);
  // x = [0, 0, 3]: μ = 1, d = [−1, −1, 2], σ² = 6/3 = 2 → x̂ = [−0.707107, −0.707107, 1.414214];
  // with γ = [1, 2, 3], β = [0, 0, 1]: [−0.707107, −1.414214, 5.242641]; the default ε = 1e-5
  // lowers the last to 3·2/√2.00001 + 1 = 5.242630.
  ln.weight.value().copy_from(Tensor::from({1, 2, 3}));
  ln.bias.value().copy_from(Tensor::from({0, 0, 1}));
  const Tensor y = ln(Var(Tensor::from({0, 0, 3}, {1, 3}))).value();
  EXPECT_NEAR(y[1], -1.414214f, 1e-5f);
  EXPECT_NEAR(y[2], 5.242630f, 2e-6f);
  LayerNorm plain(3, {.affine = false});
  EXPECT_EQ(plain.num_parameters(), 0);
  EXPECT_FALSE(plain.weight.defined());
  EXPECT_EQ(plain.type_name(), "LayerNorm(3, eps=1e-05, affine=false)");
}

TEST(LayerNormLayer, Gradcheck) {
  Rng rng(1);
  for (LayerNormVariant variant : {LayerNormVariant::Standard, LayerNormVariant::Course}) {
    LayerNorm ln(5, {.variant = variant});
    randomize_parameters(ln, rng);
    expect_layer_gradcheck(ln, param(Tensor::randn({2, 3, 5}, rng)), "LayerNorm");
    LayerNorm plain(5, {.affine = false, .variant = variant});
    expect_layer_gradcheck(plain, param(Tensor::randn({4, 5}, rng)), "LayerNorm no affine");
  }
}

TEST(RMSNormLayer, ByHandAndEpsInsideTheRoot) {
  // x = [1, 2, 3, 4]: mean(x²) = 30/4 = 7.5, √7.5 = 2.738613 → [0.365148, 0.730297, 1.095445, 1.460593];
  // weight [1, 1, 1, 2] doubles the last: 2.921187.
  RMSNorm rms(4, 0);
  rms.weight.value()[3] = 2;
  const Tensor y = rms(Var(Tensor::from({1, 2, 3, 4}, {1, 4}))).value();
  EXPECT_NEAR(y[0], 0.365148f, 1e-6f);
  EXPECT_NEAR(y[2], 1.095445f, 1e-6f);
  EXPECT_NEAR(y[3], 2.921187f, 1e-5f);
  // ε = 0.5 inside the root: 1/√(7.5 + 0.5) = 1/√8 = 0.353553.
  EXPECT_NEAR(RMSNorm(4, 0.5f)(Var(Tensor::from({1, 2, 3, 4}, {1, 4}))).value()[0], 0.353553f, 1e-6f);
  // No centring: a constant row x = [c, c] maps to [1, 1] (LayerNorm would give 0).
  EXPECT_NEAR(RMSNorm(2, 0)(Var(Tensor::from({-3, -3}, {1, 2}))).value()[1], -1, 1e-6f);
  EXPECT_EQ(names_of(rms), (std::vector<std::string>{"weight"}));
  EXPECT_EQ(RMSNorm(8).type_name(), "RMSNorm(8, eps=1e-06)");
}

TEST(RMSNormLayer, Gradcheck) {
  Rng rng(2);
  RMSNorm rms(6);
  randomize_parameters(rms, rng);
  expect_layer_gradcheck(rms, param(Tensor::randn({3, 6}, rng)), "RMSNorm");
  expect_layer_gradcheck(rms, param(Tensor::randn({2, 2, 6}, rng)), "RMSNorm 3-D");
}

TEST(BatchNormLayer, TrainingStatisticsAndRunningStatsAfterTwoBatches) {
  BatchNorm1d bn(2, {.eps = 0});
  // Batch 1, [N=2, C=2]: channel 0 = {1, 3}: μ = 2, biased σ² = 1, unbiased 2;
  //                      channel 1 = {10, 14}: μ = 12, biased σ² = 4, unbiased 8.
  // Normalized with the biased σ: [[−1, −1], [1, 1]].
  Tensor y = bn(Var(Tensor::from({1, 10, 3, 14}, {2, 2}))).value();
  EXPECT_EQ(y.to_vector(), (std::vector<real>{-1, -1, 1, 1}));
  // running = 0.9·running + 0.1·batch, with the UNBIASED variance:
  // mean 0.9·[0, 0] + 0.1·[2, 12] = [0.2, 1.2];  var 0.9·[1, 1] + 0.1·[2, 8] = [1.1, 1.7].
  EXPECT_NEAR(bn.running_mean[0], 0.2f, 1e-6f);
  EXPECT_NEAR(bn.running_mean[1], 1.2f, 1e-6f);
  EXPECT_NEAR(bn.running_var[0], 1.1f, 1e-6f);
  EXPECT_NEAR(bn.running_var[1], 1.7f, 1e-6f);
  // Batch 2, N = 3: channel 0 = {0, 2, 4}: μ = 2, Σd² = 8, unbiased 8/2 = 4;
  //                 channel 1 = {0, 4, 8}: μ = 4, Σd² = 32, unbiased 16.
  // mean 0.9·[0.2, 1.2] + 0.1·[2, 4] = [0.38, 1.48];  var 0.9·[1.1, 1.7] + 0.1·[4, 16] = [1.39, 3.13].
  y = bn(Var(Tensor::from({0, 0, 2, 4, 4, 8}, {3, 2}))).value();
  EXPECT_NEAR(y[0], -2 / std::sqrt(8.0f / 3), 1e-5f);  // (0 − 2)/√(8/3), biased
  EXPECT_NEAR(bn.running_mean[0], 0.38f, 1e-6f);
  EXPECT_NEAR(bn.running_mean[1], 1.48f, 1e-6f);
  EXPECT_NEAR(bn.running_var[0], 1.39f, 1e-6f);
  EXPECT_NEAR(bn.running_var[1], 3.13f, 1e-5f);
  EXPECT_EQ(bn.num_batches_tracked.item(), 2);

  // Evaluation uses the running statistics, and with γ = [2, 1], β = [0, 5]:
  // x = [1.38, 1.48] → [2·(1.38 − 0.38)/√1.39, 1·0 + 5] = [1.696378, 5]. Nothing is updated.
  bn.eval();
  bn.weight.value().copy_from(Tensor::from({2, 1}));
  bn.bias.value().copy_from(Tensor::from({0, 5}));
  y = bn(Var(Tensor::from({1.38f, 1.48f}, {1, 2}))).value();  // one example is fine in eval
  EXPECT_NEAR(y[0], 1.696378f, 1e-5f);
  EXPECT_NEAR(y[1], 5, 1e-5f);
  EXPECT_NEAR(bn.running_mean[0], 0.38f, 1e-6f);
  EXPECT_EQ(bn.num_batches_tracked.item(), 2);
}

TEST(BatchNormLayer, NamesBuffersAndStateDict) {
  BatchNorm1d bn(3);
  EXPECT_EQ(names_of(bn), (std::vector<std::string>{"weight", "bias"}));
  const StateDict sd = bn.state_dict();
  for (const char* k : {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"})
    EXPECT_EQ(sd.count(k), 1u) << k;
  EXPECT_EQ(sd.at("running_var").to_vector(), (std::vector<real>{1, 1, 1}));
  EXPECT_EQ(sd.at("num_batches_tracked").shape(), Shape{});
  EXPECT_EQ(bn.type_name(), "BatchNorm1d(3, eps=1e-05, momentum=0.1)");
}

TEST(BatchNormLayer, ThreeDimensionalInputMatchesTheFlattenedOne) {
  // [N, C, L] normalizes each channel over N·L values: the same as [N·L, C] after moving C last.
  Rng rng(3);
  const Tensor x = Tensor::randn({2, 3, 4}, rng, 1, 2);
  BatchNorm1d a(3), b(3);
  const Tensor flat = permute(x, {0, 2, 1}).reshape({8, 3});
  const Tensor ya = permute(a(Var(x)).value(), {0, 2, 1}).reshape({8, 3});
  EXPECT_LT(max_abs_diff(ya, b(Var(flat)).value()), 1e-5f);
  EXPECT_LT(max_abs_diff(a.running_var, b.running_var), 1e-6f);
  a.eval();
  b.eval();
  EXPECT_LT(max_abs_diff(permute(a(Var(x)).value(), {0, 2, 1}).reshape({8, 3}), b(Var(flat)).value()), 1e-5f);
}

TEST(BatchNormLayer, Gradcheck) {
  Rng rng(4);
  BatchNorm1d bn(3);
  randomize_parameters(bn, rng);
  expect_layer_gradcheck(bn, param(Tensor::randn({4, 3}, rng)), "BatchNorm1d train [N, C]");
  expect_layer_gradcheck(bn, param(Tensor::randn({2, 3, 3}, rng)), "BatchNorm1d train [N, C, L]");
  bn.eval();
  expect_layer_gradcheck(bn, param(Tensor::randn({2, 3}, rng)), "BatchNorm1d eval");
}

TEST(NormLayers, Errors) {
  try {
    LayerNorm(4)(Var(Tensor::zeros({2, 3})));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "LayerNorm: input [2, 3] is not [..., 4] (the last axis must hold the 4 features)");
  }
  EXPECT_THROW(LayerNorm(4, {.variant = LayerNormVariant::Course})(Var(Tensor::zeros({4, 2}))), Error);
  EXPECT_THROW(LayerNorm(4)(Var(Tensor::scalar(1))), Error);
  EXPECT_THROW(LayerNorm(0), Error);
  EXPECT_THROW(LayerNorm(1, {.variant = LayerNormVariant::Course}), Error);  // σ of one value: divide by 0
  EXPECT_THROW(LayerNorm(4, {.eps = -1}), Error);
  EXPECT_THROW(RMSNorm(4)(Var(Tensor::zeros({4, 3}))), Error);
  EXPECT_THROW(RMSNorm(-1), Error);
  BatchNorm1d bn(3);
  EXPECT_THROW(bn(Var(Tensor::zeros({4, 2}))), Error);        // wrong channel count
  EXPECT_THROW(bn(Var(Tensor::zeros({3}))), Error);           // no batch axis
  EXPECT_THROW(bn(Var(Tensor::zeros({2, 3, 1, 1}))), Error);  // 4-D is BatchNorm2d's
  EXPECT_THROW(bn(Var(Tensor::zeros({1, 3}))), Error);        // one value per channel in training
  EXPECT_EQ(bn.num_batches_tracked.item(), 0);                // a failed call changes nothing
  bn.eval();
  EXPECT_NO_THROW(bn(Var(Tensor::zeros({1, 3}))));
  EXPECT_THROW(BatchNorm1d(3, {.momentum = 1.5f}), Error);
  EXPECT_THROW(BatchNorm1d(0), Error);
}

}  // namespace
}  // namespace atn
