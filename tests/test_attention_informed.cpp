// AttentionInformedAdamW: the gain from hand-filled energies (with masked −inf entries), the
// resulting updates against the rule written out in double, and Adam's near-invariance to a
// constant gradient scale (ScaleGradient) against ScaleUpdate's exact per-block multiplier.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "optim/attention_informed.h"

namespace atn {
namespace {

using Vec = std::vector<double>;
constexpr real kInf = std::numeric_limits<real>::infinity();

// Causal energies [B=1, H=2, Lq=2, Lk=2]; the future position (0, 1) is masked with −inf.
//   head 0: [[ 1, −inf], [−2,  3  ]]      finite |E|: 1, 2, 3, 0.5, 4, 1.5 → sum 12 over 6
//   head 1: [[−0.5, −inf], [ 4, −1.5]]    ē = 2
Tensor causal_energies() { return Tensor::from({1, -kInf, -2, 3, -0.5f, -kInf, 4, -1.5f}, {1, 2, 2, 2}); }

const Vec kTheta0 = {0.5, -1.0};
const std::vector<Vec> kGrads = {{0.2, -0.1}, {0.05, 0.3}, {-0.4, 0.1}};

// AdamW with lr 1e-3, betas 0.9/0.999, decay 0.01 on a 2-element θ, written out;
// grad_gain multiplies g, update_gain multiplies m̂/(√v̂+ε).
std::vector<Vec> reference(double grad_gain, double update_gain, double eps = 1e-8) {
  const double lr = 1e-3, b1 = 0.9, b2 = 0.999, wd = 0.01;
  Vec th = kTheta0, m(2, 0.0), v(2, 0.0);
  std::vector<Vec> out;
  for (size_t t = 1; t <= kGrads.size(); ++t) {
    for (size_t k = 0; k < 2; ++k) {
      const double g = grad_gain * kGrads[t - 1][k];
      m[k] = b1 * m[k] + (1 - b1) * g;
      v[k] = b2 * v[k] + (1 - b2) * g * g;
      double u = (m[k] / (1 - std::pow(b1, double(t)))) / (std::sqrt(v[k] / (1 - std::pow(b2, double(t)))) + eps);
      u = update_gain * u + wd * th[k];
      th[k] -= lr * u;
    }
    out.push_back(th);
  }
  return out;
}

Tensor to_tensor(const Vec& v) { return Tensor::from(std::vector<real>(v.begin(), v.end())); }

// Three steps of `opt`, with the same gradients on every parameter; θ of `watch` after each.
std::vector<Vec> run(Optimizer& opt, const Var& watch) {
  std::vector<Vec> out;
  for (const Vec& g : kGrads) {
    for (Var p : opt.params()) p.grad() = to_tensor(g);
    opt.step();
    out.emplace_back(watch.value().begin(), watch.value().end());
  }
  return out;
}

TEST(AttentionInformed, MeanAbsEnergySkipsMaskedEntries) {
  EXPECT_FLOAT_EQ(mean_abs_finite(causal_energies()), 2.0f);
  EXPECT_TRUE(std::isnan(mean_abs_finite(Tensor())));
  EXPECT_TRUE(std::isnan(mean_abs_finite(Tensor::full({1, 1, 2, 2}, -kInf))));
}

TEST(AttentionInformed, GainsPerGroupFollowTheFormula) {
  Var a = param(to_tensor(kTheta0)), b = param(to_tensor(kTheta0)), c = param(to_tensor(kTheta0));
  Var head = param(to_tensor(kTheta0));
  // blocks.1 has had no forward pass yet; blocks.2 has every entry masked.
  auto none = [] { return Tensor(); };
  auto all_masked = [] { return Tensor::full({1, 1, 2, 2}, -kInf); };
  std::vector<EnergyGroup> groups = {
      {"blocks.0", {a}, [] { return causal_energies(); }},
      {"blocks.1", {b}, none},
      {"blocks.2", {c}, all_masked},
  };
  AttentionInformedAdamW opt(groups, {head});
  EXPECT_EQ(opt.last_gains(), (std::vector<real>{1, 1, 1}));  // before the first step
  run(opt, a);
  // ē = 2, s = 0.1: gain = 1 + tanh(0.2) = 1 + 0.197375320 = 1.197375320.
  ASSERT_EQ(opt.last_gains().size(), 3u);
  EXPECT_NEAR(opt.last_gains()[0], 1.197375320, 1e-6);
  EXPECT_EQ(opt.last_gains()[1], 1.0f);
  EXPECT_EQ(opt.last_gains()[2], 1.0f);
  EXPECT_FLOAT_EQ(opt.last_mean_energies()[0], 2.0f);
  EXPECT_TRUE(std::isnan(opt.last_mean_energies()[1]));
  EXPECT_EQ(opt.group_names(), (std::vector<std::string>{"blocks.0", "blocks.1", "blocks.2"}));

  AttentionInformedAdamW upd(groups, {}, {.mode = EnergyGainMode::ScaleUpdate});
  // α = 0.5: gain = 1 + 0.5·tanh(0.2) = 1.098687660.
  EXPECT_NEAR(upd.gain(2.0f), 1.098687660, 1e-6);
  EXPECT_EQ(upd.gain(std::nanf("")), 1.0f);
}

TEST(AttentionInformed, ScaleGradientUpdatesMatchTheRule) {
  // A gradient gain reaches the update only through ε (see the invariance test below), so this
  // test uses a large ε = 0.05, comparable to the gradients, to make the gain visible.
  Var block = param(to_tensor(kTheta0)), head = param(to_tensor(kTheta0));
  AttentionInformedAdamW opt({{"blocks.0", {block}, [] { return causal_energies(); }}}, {head}, {.eps = 0.05f});
  const double gain = 1 + std::tanh(0.1 * 2.0);
  auto got_block = run(opt, block);
  const auto want = reference(gain, 1, 0.05), plain = reference(1, 1, 0.05);
  for (size_t t = 0; t < 3; ++t)
    for (size_t k = 0; k < 2; ++k) EXPECT_NEAR(got_block[t][k], want[t][k], 1e-6);
  EXPECT_GT(std::fabs(want[2][0] - plain[2][0]), 1e-5);  // the gain did matter here
  // The ungrouped head got plain AdamW; the gradients themselves were not changed.
  EXPECT_NEAR(head.value()[0], plain[2][0], 1e-6);
  EXPECT_EQ(block.grad()[0], real(kGrads[2][0]));
}

TEST(AttentionInformed, ScaleUpdateUpdatesMatchTheRule) {
  Var block = param(to_tensor(kTheta0));
  AttentionInformedAdamW opt({{"blocks.0", {block}, [] { return causal_energies(); }}}, {},
                             {.mode = EnergyGainMode::ScaleUpdate});
  const double gain = 1 + 0.5 * std::tanh(0.1 * 2.0);
  auto got = run(opt, block);
  const auto want = reference(1, gain);
  for (size_t t = 0; t < 3; ++t)
    for (size_t k = 0; k < 2; ++k) EXPECT_NEAR(got[t][k], want[t][k], 1e-6);
}

// Adam sees g and c·g alike: m̂ and √v̂ both scale by c. So ScaleGradient with a constant gain
// moves the weights like plain AdamW (up to ε), while ScaleUpdate multiplies the step by its gain.
TEST(AttentionInformed, AdamIsNearlyInvariantToAConstantGradientScale) {
  auto energies = [] { return causal_energies(); };
  // θ starts at 0 (and no decay), so θ after a step is the update itself, kept at full float precision.
  Var x = param(Tensor::zeros({2})), y = param(Tensor::zeros({2})), z = param(Tensor::zeros({2}));
  AdamW plain({x}, {.weight_decay = 0});
  AttentionInformedAdamW scaled_grad({{"b", {y}, energies}}, {}, {.weight_decay = 0});
  AttentionInformedAdamW scaled_update({{"b", {z}, energies}}, {},
                                       {.weight_decay = 0, .mode = EnergyGainMode::ScaleUpdate});
  auto px = run(plain, x), py = run(scaled_grad, y), pz = run(scaled_update, z);
  const double gain = 1 + 0.5 * std::tanh(0.2);
  EXPECT_GT(scaled_grad.last_gains()[0], 1.19f);  // a real gain was applied...
  for (size_t t = 0; t < 3; ++t)
    for (size_t k = 0; k < 2; ++k) {
      const double dx = px[t][k], dy = py[t][k], dz = pz[t][k];
      EXPECT_NEAR(dy, dx, 1e-5 * std::fabs(dx));            // ...and changed nothing visible
      EXPECT_NEAR(dz, gain * dx, 1e-5 * std::fabs(dx));     // ScaleUpdate: exactly the gain,
      EXPECT_GT(std::fabs(dz - dx), 0.05 * std::fabs(dx));  // a visible change (gain − 1 ≈ 0.099)
    }
}

TEST(AttentionInformed, BadConfigurationsThrow) {
  Var a = param(to_tensor(kTheta0)), b = param(to_tensor(kTheta0));
  auto e = [] { return causal_energies(); };
  EXPECT_THROW(AttentionInformedAdamW({{"blocks.0", {a}, nullptr}}, {b}), Error);  // no energy source
  EXPECT_THROW(AttentionInformedAdamW({{"blocks.0", {a}, e}}, {a}), Error);        // a in two places
  EXPECT_THROW(AttentionInformedAdamW({{"blocks.0", {a}, e}}, {b}, {.energy_scale = -0.1f}), Error);
  EXPECT_THROW(AttentionInformedAdamW({{"blocks.0", {a}, e}}, {b}, {.alpha = 1.5f}), Error);
  EXPECT_THROW(AttentionInformedAdamW({{"blocks.0", {a}, e}}, {b}, {.betas = {0.9f, 1.0f}}), Error);
  try {
    AttentionInformedAdamW({{"blocks.0", {a}, nullptr}}, {b});
  } catch (const Error& err) {
    EXPECT_STREQ(err.what(), "AttentionInformedAdamW: group 0 ('blocks.0') has no energy source");
  }
}

}  // namespace
}  // namespace atn
