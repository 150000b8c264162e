// Initializers: bounds and standard deviations match their formulas.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/init.h"
#include "tensor/reduce.h"

namespace atn {
namespace {

double std_of(const Tensor& t) {
  double m = 0, q = 0;
  for (real v : t) m += v;
  m /= double(t.numel());
  for (real v : t) q += (v - m) * (v - m);
  return std::sqrt(q / double(t.numel()));
}

TEST(Init, FansFollowPyTorch) {
  EXPECT_EQ(init::fans({8, 3}).in, 3);
  EXPECT_EQ(init::fans({8, 3}).out, 8);
  EXPECT_EQ(init::fans({8, 3, 5}).in, 15);
  EXPECT_THROW(init::fans({8}), Error);
}

TEST(Init, DistributionsHaveTheRightSpread) {
  Rng rng(1);
  Tensor w({200, 100});
  init::xavier_uniform(w, rng);
  const double xb = std::sqrt(6.0 / 300);
  EXPECT_LE(max_value(w), xb);
  EXPECT_GE(min_value(w), -xb);
  EXPECT_NEAR(std_of(w), std::sqrt(2.0 / 300), 0.002);
  init::xavier_normal(w, rng, 2);
  EXPECT_NEAR(std_of(w), 2 * std::sqrt(2.0 / 300), 0.004);
  init::kaiming_normal(w, rng);
  EXPECT_NEAR(std_of(w), std::sqrt(2.0 / 100), 0.004);
  init::kaiming_uniform(w, rng);
  EXPECT_LE(max_value(w), std::sqrt(6.0 / 100));
  EXPECT_NEAR(std_of(w), std::sqrt(2.0 / 100), 0.004);
  Tensor b({200});
  init::linear_default(w, &b, rng);
  EXPECT_LE(max_value(w), 0.1f);
  EXPECT_GE(min_value(b), -0.1f);
  EXPECT_GT(max_value(w), 0.099f);
  init::gpt2(w, rng);
  EXPECT_NEAR(std_of(w), 0.02, 0.0005);
  init::gpt2_residual(w, rng, 8);
  EXPECT_NEAR(std_of(w), 0.02 / 4, 0.0002);
  init::constant(w, 3);
  EXPECT_EQ(min_value(w), 3);
}

TEST(Init, BadArguments) {
  Rng rng(2);
  Tensor w({2, 2});
  EXPECT_THROW(init::uniform(w, rng, 1, 0), Error);
  EXPECT_THROW(init::normal(w, rng, 0, -1), Error);
  EXPECT_THROW(init::gpt2_residual(w, rng, 0), Error);
  Tensor v({3});
  EXPECT_THROW(init::xavier_uniform(v, rng), Error);
}

}  // namespace
}  // namespace atn
