// The Nadaraya–Watson toy regression data (data/regression_toy.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "data/regression_toy.h"

namespace atn {
namespace {

TEST(RegressionToy, LessonDefaults) {
  const RegressionToy d = regression_toy();
  ASSERT_EQ(d.x_train.shape(), (Shape{40}));
  ASSERT_EQ(d.y_train.shape(), (Shape{40}));
  ASSERT_EQ(d.x_test.shape(), (Shape{50}));
  const auto x = d.x_train.to_vector();
  EXPECT_TRUE(std::is_sorted(x.begin(), x.end()));
  EXPECT_GE(x.front(), 0);
  EXPECT_LT(x.back(), 5);
  // Test inputs 0, 0.1, ..., 4.9 with the noiseless curve 2 sin x + x.
  for (int64_t i = 0; i < 50; ++i) {
    EXPECT_NEAR(d.x_test[i], 0.1 * double(i), 1e-6);
    EXPECT_NEAR(d.y_test[i], 2 * std::sin(0.1 * double(i)) + 0.1 * double(i), 1e-5);
  }
  EXPECT_NEAR(regression_toy_function(1.5f), 2 * std::sin(1.5) + 1.5, 1e-6);
}

TEST(RegressionToy, NoiseHasTheRequestedSpread) {
  const RegressionToy d = regression_toy({.n_train = 20000, .noise_std = 0.5f, .seed = 7});
  double mean = 0, sq = 0;
  for (int64_t i = 0; i < 20000; ++i) {
    const double r = double(d.y_train[i]) - (2 * std::sin(double(d.x_train[i])) + double(d.x_train[i]));
    mean += r;
    sq += r * r;
  }
  mean /= 20000;
  EXPECT_NEAR(mean, 0, 0.02);
  EXPECT_NEAR(std::sqrt(sq / 20000 - mean * mean), 0.5, 0.02);
  // Without noise the targets lie on the curve.
  const RegressionToy clean = regression_toy({.noise_std = 0});
  for (int64_t i = 0; i < 40; ++i) EXPECT_NEAR(clean.y_train[i], regression_toy_function(clean.x_train[i]), 1e-6);
}

TEST(RegressionToy, DeterministicBySeedAndChecksConfig) {
  EXPECT_EQ(regression_toy({.seed = 3}).y_train.to_vector(), regression_toy({.seed = 3}).y_train.to_vector());
  EXPECT_NE(regression_toy({.seed = 3}).x_train.to_vector(), regression_toy({.seed = 4}).x_train.to_vector());
  EXPECT_THROW(regression_toy({.n_train = 0}), Error);
  EXPECT_THROW(regression_toy({.x_max = -1}), Error);
  EXPECT_THROW(regression_toy({.noise_std = -0.1f}), Error);
}

}  // namespace
}  // namespace atn
