// Learning-rate schedules: Noam against its formula and its peak, warmup-cosine endpoints.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "optim/schedule.h"
#include "optim/sgd.h"

namespace atn {
namespace {

TEST(Schedule, NoamMatchesTheFormula) {
  const double d = 512, w = 4000, f = 2;
  Noam noam(512, 4000, 2);
  auto formula = [&](double t) { return f / std::sqrt(d) * std::min(1 / std::sqrt(t), t * std::pow(w, -1.5)); };
  // Step 1: 2/√512 · 1/4000^1.5 = 0.0883883 · 3.9528e-6 = 3.4939e-7 (the warmup branch).
  EXPECT_NEAR(noam.lr(1), 3.4939e-7, 1e-10);
  EXPECT_NEAR(noam.lr(1), formula(1), 1e-12);
  EXPECT_NEAR(noam.lr(4000), formula(4000), 1e-9);
  EXPECT_NEAR(noam.lr(40000), formula(40000), 1e-9);  // the 1/√t branch: 0.0883883/200 = 4.4194e-4
  EXPECT_NEAR(noam.lr(40000), 4.4194e-4, 1e-8);
  EXPECT_EQ(noam.lr(0), noam.lr(1));  // t^(−1/2) is undefined at 0
}

TEST(Schedule, NoamPeaksAtWarmup) {
  Noam noam(256, 4000);
  EXPECT_GT(noam.lr(4000), noam.lr(3999));
  EXPECT_GT(noam.lr(4000), noam.lr(4001));
  EXPECT_GT(noam.lr(2000), noam.lr(1000));  // rising before,
  EXPECT_LT(noam.lr(8000), noam.lr(6000));  // falling after
  // 1/√(256·4000) = 1/1011.93 = 9.8821e-4.
  EXPECT_NEAR(noam.lr(4000), 9.8821e-4, 1e-7);
}

TEST(Schedule, WarmupCosineEndpoints) {
  WarmupCosine s(1e-3f, 100, 1100, 1e-4f);
  EXPECT_EQ(s.lr(0), 0);                 // the warmup starts at 0
  EXPECT_NEAR(s.lr(50), 5e-4, 1e-9);     // halfway up the line
  EXPECT_NEAR(s.lr(100), 1e-3, 1e-9);    // the top
  EXPECT_NEAR(s.lr(600), 5.5e-4, 1e-9);  // halfway down the cosine: (1e-3 + 1e-4)/2
  EXPECT_NEAR(s.lr(350), 1e-4 + 9e-4 * 0.5 * (1 + std::cos(std::numbers::pi / 4)), 1e-9);
  EXPECT_NEAR(s.lr(1100), 1e-4, 1e-10);  // the bottom
  EXPECT_NEAR(s.lr(5000), 1e-4, 1e-10);  // and it stays there
  EXPECT_GT(s.lr(101), s.lr(102));
  WarmupCosine no_warmup(1.0f, 0, 10);
  EXPECT_EQ(no_warmup.lr(0), 1.0f);
  EXPECT_EQ(no_warmup.lr(10), 0.0f);
}

TEST(Schedule, ApplySetsTheRateOfTheNextStep) {
  Var p = param(Tensor::ones({2}));
  SGD opt({p}, {.lr = 0.5f});
  WarmupCosine s(1.0f, 4, 8);
  EXPECT_EQ(s.apply(opt), 0.25f);  // no step yet: the next one is step 1
  EXPECT_EQ(opt.lr(), 0.25f);
  p.grad() = Tensor::ones({2});
  opt.step();
  s.apply(opt);
  EXPECT_EQ(opt.lr(), 0.5f);
  ConstantSchedule c(0.125f);
  c.apply(opt);
  EXPECT_EQ(opt.lr(), 0.125f);
  EXPECT_EQ(c.lr(1000), 0.125f);
}

TEST(Schedule, BadArgumentsThrow) {
  EXPECT_THROW(Noam(0, 4000), Error);
  EXPECT_THROW(Noam(512, 0), Error);
  EXPECT_THROW(Noam(512, 10, -1), Error);
  EXPECT_THROW(Noam(512, 10).lr(-1), Error);
  EXPECT_THROW(WarmupCosine(1e-3f, 10, 5), Error);  // total < warmup
  EXPECT_THROW(WarmupCosine(1e-3f, -1, 5), Error);
  EXPECT_THROW(WarmupCosine(1e-3f, 1, 5, 1e-2f), Error);  // min above base
  EXPECT_THROW(ConstantSchedule(-1), Error);
  try {
    WarmupCosine(1e-3f, 10, 5);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("WarmupCosine: total (5) must be >= warmup (10)"), std::string::npos);
  }
}

}  // namespace
}  // namespace atn
