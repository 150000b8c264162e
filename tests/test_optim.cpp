// Optimizers: three updates of a 3-element parameter with fixed gradients, against the update
// rules written out here in double precision (not by calling the optimizer), plus a literal
// hand value for the first update; skipping parameters without a gradient; bad hyper-parameters.
#include <gtest/gtest.h>

#include <cmath>

#include "optim/adagrad.h"
#include "optim/adam.h"
#include "optim/rmsprop.h"
#include "optim/sgd.h"

namespace atn {
namespace {

using Vec = std::vector<double>;

const Vec kTheta0 = {1.0, -2.0, 0.5};
const std::vector<Vec> kGrads = {{0.1, -0.3, 0.2}, {0.4, 0.1, -0.2}, {-0.2, 0.25, 0.05}};

Tensor to_tensor(const Vec& v) {
  std::vector<real> f(v.begin(), v.end());
  return Tensor::from(f);
}

// Runs three steps with the fixed gradients and returns θ after each.
std::vector<Vec> run(Optimizer& opt, Var& p) {
  std::vector<Vec> out;
  for (const Vec& g : kGrads) {
    p.grad() = to_tensor(g);
    opt.step();
    out.emplace_back(p.value().begin(), p.value().end());
  }
  return out;
}

void expect_near(const std::vector<Vec>& got, const std::vector<Vec>& want, double tol = 2e-6) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t t = 0; t < got.size(); ++t)
    for (size_t k = 0; k < got[t].size(); ++k)
      EXPECT_NEAR(got[t][k], want[t][k], tol) << "step " << t + 1 << ", k " << k;
}

// --- the reference recurrences, in double -------------------------------------------------

std::vector<Vec> sgd_reference(double lr, double mu, double tau, double wd, bool nesterov) {
  Vec th = kTheta0, buf(3, 0.0);
  std::vector<Vec> out;
  for (size_t t = 0; t < kGrads.size(); ++t) {
    for (size_t k = 0; k < 3; ++k) {
      double g = kGrads[t][k] + wd * th[k];
      double d = g;
      if (mu > 0) {
        buf[k] = t == 0 ? g : mu * buf[k] + (1 - tau) * g;
        d = nesterov ? g + mu * buf[k] : buf[k];
      }
      th[k] -= lr * d;
    }
    out.push_back(th);
  }
  return out;
}

std::vector<Vec> adagrad_reference(double lr, double eps, double wd, double g0) {
  Vec th = kTheta0, sum(3, g0);
  std::vector<Vec> out;
  for (const Vec& grad : kGrads) {
    for (size_t k = 0; k < 3; ++k) {
      const double g = grad[k] + wd * th[k];
      sum[k] += g * g;
      th[k] -= lr * g / (std::sqrt(sum[k]) + eps);
    }
    out.push_back(th);
  }
  return out;
}

std::vector<Vec> rmsprop_reference(double lr, double alpha, double eps, double wd, double mu, bool centered) {
  Vec th = kTheta0, sq(3, 0.0), avg(3, 0.0), buf(3, 0.0);
  std::vector<Vec> out;
  for (const Vec& grad : kGrads) {
    for (size_t k = 0; k < 3; ++k) {
      const double g = grad[k] + wd * th[k];
      sq[k] = alpha * sq[k] + (1 - alpha) * g * g;
      avg[k] = alpha * avg[k] + (1 - alpha) * g;
      const double r = std::sqrt(centered ? sq[k] - avg[k] * avg[k] : sq[k]) + eps;
      if (mu > 0) {
        buf[k] = mu * buf[k] + g / r;
        th[k] -= lr * buf[k];
      } else {
        th[k] -= lr * g / r;
      }
    }
    out.push_back(th);
  }
  return out;
}

std::vector<Vec> adam_reference(double lr, double b1, double b2, double eps, double wd, bool decoupled) {
  Vec th = kTheta0, m(3, 0.0), v(3, 0.0);
  std::vector<Vec> out;
  for (size_t t = 1; t <= kGrads.size(); ++t) {
    for (size_t k = 0; k < 3; ++k) {
      const double g = kGrads[t - 1][k] + (decoupled ? 0 : wd * th[k]);
      m[k] = b1 * m[k] + (1 - b1) * g;
      v[k] = b2 * v[k] + (1 - b2) * g * g;
      const double m_hat = m[k] / (1 - std::pow(b1, double(t)));
      const double v_hat = v[k] / (1 - std::pow(b2, double(t)));
      if (decoupled) th[k] -= lr * wd * th[k];
      th[k] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
    out.push_back(th);
  }
  return out;
}

// --- SGD ------------------------------------------------------------------------------------

TEST(SGD, PlainStepIsLrTimesGradient) {
  Var p = param(to_tensor(kTheta0));
  SGD opt({p}, {.lr = 0.1f});
  auto got = run(opt, p);
  // Step 1 by hand: θ − 0.1·g = (1 − 0.01, −2 + 0.03, 0.5 − 0.02).
  EXPECT_NEAR(got[0][0], 0.99, 1e-6);
  EXPECT_NEAR(got[0][1], -1.97, 1e-6);
  EXPECT_NEAR(got[0][2], 0.48, 1e-6);
  expect_near(got, sgd_reference(0.1, 0, 0, 0, false));
}

TEST(SGD, MomentumAccumulatesTheGradients) {
  Var p = param(to_tensor(kTheta0));
  SGD opt({p}, {.lr = 0.1f, .momentum = 0.9f});
  auto got = run(opt, p);
  // Step 2 by hand, first coordinate: b = 0.9·0.1 + 0.4 = 0.49; θ = 0.99 − 0.049 = 0.941.
  EXPECT_NEAR(got[1][0], 0.941, 1e-6);
  expect_near(got, sgd_reference(0.1, 0.9, 0, 0, false));
}

TEST(SGD, NesterovLooksAhead) {
  Var p = param(to_tensor(kTheta0));
  SGD opt({p}, {.lr = 0.1f, .momentum = 0.9f, .nesterov = true});
  auto got = run(opt, p);
  // Step 1 by hand, first coordinate: b = g = 0.1, d = g + 0.9·b = 0.19; θ = 1 − 0.019 = 0.981.
  EXPECT_NEAR(got[0][0], 0.981, 1e-6);
  expect_near(got, sgd_reference(0.1, 0.9, 0, 0, true));
}

TEST(SGD, DampeningAndWeightDecay) {
  Var p = param(to_tensor(kTheta0));
  SGD opt({p}, {.lr = 0.1f, .momentum = 0.9f, .dampening = 0.5f, .weight_decay = 0.1f});
  expect_near(run(opt, p), sgd_reference(0.1, 0.9, 0.5, 0.1, false));
}

// --- Adagrad --------------------------------------------------------------------------------

TEST(Adagrad, AccumulatorShrinksTheSteps) {
  Var p = param(to_tensor(kTheta0));
  Adagrad opt({p}, {.lr = 0.1f});
  auto got = run(opt, p);
  // Step 1: G = g², so the step is lr·g/|g| = 0.1·sign(g): θ = (0.9, −1.9, 0.4).
  EXPECT_NEAR(got[0][0], 0.9, 1e-6);
  EXPECT_NEAR(got[0][1], -1.9, 1e-6);
  // Step 2, first coordinate: G = 0.01 + 0.16 = 0.17; θ = 0.9 − 0.1·0.4/√0.17 = 0.802985...
  EXPECT_NEAR(got[1][0], 0.9 - 0.04 / std::sqrt(0.17), 1e-6);
  expect_near(got, adagrad_reference(0.1, 1e-10, 0, 0));
}

TEST(Adagrad, WeightDecayAndInitialAccumulator) {
  Var p = param(to_tensor(kTheta0));
  Adagrad opt({p}, {.lr = 0.1f, .eps = 1e-3f, .weight_decay = 0.05f, .initial_accumulator_value = 0.5f});
  expect_near(run(opt, p), adagrad_reference(0.1, 1e-3, 0.05, 0.5));
}

// --- RMSprop --------------------------------------------------------------------------------

TEST(RMSprop, FirstStepIsLargeWithoutBiasCorrection) {
  Var p = param(to_tensor(kTheta0));
  RMSprop opt({p}, {.lr = 0.01f});
  auto got = run(opt, p);
  // Step 1: s = 0.01·g², √s = 0.1·|g|, so the step is 0.01·g/(0.1|g|) = 0.1·sign(g).
  EXPECT_NEAR(got[0][0], 0.9, 1e-5);
  EXPECT_NEAR(got[0][1], -1.9, 1e-5);
  expect_near(got, rmsprop_reference(0.01, 0.99, 1e-8, 0, 0, false));
}

TEST(RMSprop, CenteredWithMomentumAndWeightDecay) {
  Var p = param(to_tensor(kTheta0));
  RMSprop opt({p}, {.lr = 0.01f, .alpha = 0.9f, .weight_decay = 0.1f, .momentum = 0.5f, .centered = true});
  expect_near(run(opt, p), rmsprop_reference(0.01, 0.9, 1e-8, 0.1, 0.5, true), 1e-5);
}

// --- Adam and AdamW -------------------------------------------------------------------------

TEST(Adam, BiasCorrectionMakesTheFirstStepLrTimesSign) {
  Var p = param(to_tensor(kTheta0));
  Adam opt({p}, {.lr = 0.1f});
  auto got = run(opt, p);
  // Step 1: m̂ = g and v̂ = g², so the step is 0.1·g/|g|. Without the correction it would be
  // 0.1·(0.1 g)/√(0.001 g²) ≈ 0.316·sign(g).
  EXPECT_NEAR(got[0][0], 0.9, 1e-6);
  EXPECT_NEAR(got[0][1], -1.9, 1e-6);
  EXPECT_NEAR(got[0][2], 0.4, 1e-6);
  expect_near(got, adam_reference(0.1, 0.9, 0.999, 1e-8, 0, false));
}

TEST(Adam, OtherBetasAndL2WeightDecay) {
  Var p = param(to_tensor(kTheta0));
  Adam opt({p}, {.lr = 0.1f, .betas = {0.8f, 0.98f}, .eps = 1e-3f, .weight_decay = 0.1f});
  expect_near(run(opt, p), adam_reference(0.1, 0.8, 0.98, 1e-3, 0.1, false));
}

TEST(AdamW, DecayIsDecoupledFromTheMoments) {
  Var p = param(to_tensor(kTheta0));
  AdamW opt({p}, {.lr = 0.1f, .weight_decay = 0.1f});
  auto got = run(opt, p);
  // Step 1, first coordinate: θ·(1 − 0.1·0.1) − 0.1·sign(g) = 0.99 − 0.1 = 0.89.
  EXPECT_NEAR(got[0][0], 0.89, 1e-6);
  expect_near(got, adam_reference(0.1, 0.9, 0.999, 1e-8, 0.1, true));
  // Adam's L2 version moves differently: the decay passes through the normalization.
  Var q = param(to_tensor(kTheta0));
  Adam l2({q}, {.lr = 0.1f, .weight_decay = 0.1f});
  EXPECT_GT(std::fabs(run(l2, q)[2][0] - got[2][0]), 1e-3);
  EXPECT_TRUE(opt.decoupled_weight_decay());
  EXPECT_FLOAT_EQ(AdamW({p}).config().weight_decay, 0.01f);  // PyTorch's default
}

// --- the base: skipping, zero_grad, lr ------------------------------------------------------

TEST(Optimizer, ParametersWithoutGradientAreSkipped) {
  Var a = param(to_tensor(kTheta0)), b = param(Tensor::from({5.0f, 6.0f}));
  Adam opt({a, b}, {.lr = 0.1f});
  a.grad() = to_tensor(kGrads[0]);
  opt.step();
  EXPECT_EQ(b.value().to_vector(), (std::vector<real>{5, 6}));
  // b gets its first gradient at the second step: its own t is 1, so its first update is still
  // lr·sign(g) (a global t = 2 would give a different step).
  a.grad() = to_tensor(kGrads[1]);
  b.grad() = Tensor::from({0.3f, -0.01f});
  opt.step();
  EXPECT_NEAR(b.value()[0], 4.9, 1e-6);
  EXPECT_NEAR(b.value()[1], 6.1, 1e-6);
  EXPECT_EQ(opt.step_count(), 2);
}

TEST(Optimizer, ZeroGradDropsGradientsAndLrCanChange) {
  Var a = param(to_tensor(kTheta0));
  SGD opt({a}, {.lr = 0.1f});
  a.grad() = to_tensor(kGrads[0]);
  opt.zero_grad();
  EXPECT_FALSE(a.has_grad());
  opt.step();  // nothing to do
  EXPECT_EQ(a.value()[0], 1.0f);
  opt.set_lr(0.5f);
  EXPECT_EQ(opt.lr(), 0.5f);
  EXPECT_THROW(opt.set_lr(-1), Error);
  EXPECT_THROW(opt.set_lr(std::nanf("")), Error);
}

TEST(Optimizer, BadHyperParametersThrow) {
  Var p = param(to_tensor(kTheta0));
  EXPECT_THROW(SGD({p}, {.lr = -0.1f}), Error);
  EXPECT_THROW(SGD({p}, {.momentum = -0.5f}), Error);
  EXPECT_THROW(SGD({p}, {.nesterov = true}), Error);  // no momentum
  EXPECT_THROW(SGD({p}, {.momentum = 0.9f, .dampening = 0.1f, .nesterov = true}), Error);
  EXPECT_THROW(SGD({p}, {.weight_decay = -1}), Error);
  EXPECT_THROW(Adagrad({p}, {.eps = -1e-10f}), Error);
  EXPECT_THROW(RMSprop({p}, {.alpha = 1}), Error);
  EXPECT_THROW(RMSprop({p}, {.momentum = -1}), Error);
  EXPECT_THROW(Adam({p}, {.betas = {0.9f, -0.1f}}), Error);
  EXPECT_THROW(Adam({p}, {.eps = -1}), Error);
  EXPECT_THROW(AdamW({p}, {.weight_decay = -0.01f}), Error);
  EXPECT_THROW(Adam(std::vector<Var>{}), Error);  // nothing to optimize
  EXPECT_THROW(Adam({p, Var()}), Error);          // undefined parameter
  EXPECT_THROW(Adam({p, p}), Error);              // the same Var twice
  try {
    Adam({p}, {.betas = {1.0f, 0.999f}});
    FAIL() << "beta1 = 1 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Adam: beta1 must be in [0, 1), got 1"), std::string::npos) << e.what();
  }
  try {
    SGD({p}, {.nesterov = true});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nesterov"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace atn
