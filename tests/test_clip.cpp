// Gradient clipping: the returned norm, the clipped norm, and what is left alone.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "optim/clip.h"

namespace atn {
namespace {

TEST(Clip, NormIsGlobalAndClippedToMaxNorm) {
  Var a = param(Tensor::zeros({2})), b = param(Tensor::zeros({1})), c = param(Tensor::zeros({3}));
  a.grad() = Tensor::from({3.0f, 4.0f});
  b.grad() = Tensor::from({12.0f});  // ‖(3, 4, 12)‖ = 13; c has no gradient and is skipped
  EXPECT_NEAR(clip_grad_norm({a, b, c}, 1.0f), 13.0f, 1e-6);
  // Every gradient times 1/(13 + 1e-6): the direction is kept.
  EXPECT_NEAR(a.grad()[0], 3.0 / 13, 1e-6);
  EXPECT_NEAR(a.grad()[1], 4.0 / 13, 1e-6);
  EXPECT_NEAR(b.grad()[0], 12.0 / 13, 1e-6);
  const double after = std::sqrt(std::pow(a.grad()[0], 2) + std::pow(a.grad()[1], 2) + std::pow(b.grad()[0], 2));
  EXPECT_NEAR(after, 1.0, 1e-6);
  EXPECT_FALSE(c.has_grad());
  // Calling again reports the new norm (≈ 1) and leaves it alone.
  EXPECT_NEAR(clip_grad_norm({a, b, c}, 1.0f), 1.0f, 1e-6);
}

TEST(Clip, SmallGradientsAreUntouched) {
  Var a = param(Tensor::zeros({3}));
  a.grad() = Tensor::from({0.1f, -0.2f, 0.2f});  // norm 0.3
  EXPECT_NEAR(clip_grad_norm({a}, 1.0f), 0.3f, 1e-7);
  EXPECT_EQ(a.grad().to_vector(), (std::vector<real>{0.1f, -0.2f, 0.2f}));
}

TEST(Clip, NonFiniteNormLeavesGradientsForTheCallerToSkip) {
  Var a = param(Tensor::zeros({2}));
  a.grad() = Tensor::from({std::numeric_limits<real>::infinity(), 1.0f});
  EXPECT_TRUE(std::isinf(clip_grad_norm({a}, 1.0f)));
  EXPECT_EQ(a.grad()[1], 1.0f);
}

TEST(Clip, ValueClampsEachEntry) {
  Var a = param(Tensor::zeros({4})), b = param(Tensor::zeros({1}));
  a.grad() = Tensor::from({-3.0f, -0.5f, 0.25f, 2.0f});
  clip_grad_value({a, b}, 1.0f);
  EXPECT_EQ(a.grad().to_vector(), (std::vector<real>{-1.0f, -0.5f, 0.25f, 1.0f}));
  EXPECT_FALSE(b.has_grad());
}

TEST(Clip, BadLimitsThrow) {
  Var a = param(Tensor::zeros({1}));
  EXPECT_THROW(clip_grad_norm({a}, -1.0f), Error);
  EXPECT_THROW(clip_grad_norm({a}, std::nanf("")), Error);
  EXPECT_THROW(clip_grad_value({a}, -0.5f), Error);
  try {
    clip_grad_norm({a}, -2.0f);
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "clip_grad_norm: max_norm must be >= 0, got -2");
  }
}

}  // namespace
}  // namespace atn
