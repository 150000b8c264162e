// nn/linear_init.h: a Linear's weight drawn N(0, std) and its bias zeroed; a list of Linears drawn
// in the order given, the residual ones with their own std; GPT-2's residual std; bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/init.h"
#include "nn/linear_init.h"

namespace atn {
namespace {

double rms(const Tensor& t) {
  double s = 0;
  for (real v : t) s += double(v) * double(v);
  return std::sqrt(s / double(t.numel()));
}

TEST(LinearInit, WeightNormalAndBiasZero) {
  Rng rng(1);
  Linear with_bias(64, 64, rng), without(64, 32, rng, false);
  init_normal_linear(with_bias, rng, 0.02f);
  init_normal_linear(without, rng, 0.5f);
  EXPECT_NEAR(rms(with_bias.weight.value()), 0.02, 0.001);
  EXPECT_EQ(rms(with_bias.bias.value()), 0);
  EXPECT_NEAR(rms(without.weight.value()), 0.5, 0.02);
  EXPECT_FALSE(without.bias.defined());
  EXPECT_THROW(init_normal_linear(without, rng, -1), Error);
  EXPECT_THROW(init_normal_linear(without, rng, INFINITY), Error);
}

// The same draws as init::normal on each weight in turn, with the residual std where listed.
TEST(LinearInit, ListDrawsInOrderWithTheResidualStd) {
  Rng a(2), b(2);
  Linear p(4, 6, a), q(6, 4, a), r(4, 4, a);
  Linear p2(4, 6, b), q2(6, 4, b), r2(4, 4, b);
  init_normal_linears({&p, &q, &r}, {&q}, a, 0.02f, 0.005f);
  init::normal(p2.weight.value(), b, 0, 0.02f);
  init::normal(q2.weight.value(), b, 0, 0.005f);
  init::normal(r2.weight.value(), b, 0, 0.02f);
  for (const auto& [got, want] : {std::pair{&p, &p2}, {&q, &q2}, {&r, &r2}}) {
    for (int64_t i = 0; i < got->weight.value().numel(); ++i)
      EXPECT_EQ(got->weight.value()[i], want->weight.value()[i]);
    EXPECT_EQ(rms(got->bias.value()), 0);
  }
  EXPECT_EQ(a.next_u64(), b.next_u64());  // nothing else was drawn
}

TEST(LinearInit, Gpt2ResidualStdAndErrors) {
  EXPECT_FLOAT_EQ(gpt2_residual_std(8), 0.02f / 4);  // 0.02/√16
  EXPECT_FLOAT_EQ(gpt2_residual_std(1), 0.02f / std::sqrt(2.0f));
  EXPECT_THROW(gpt2_residual_std(0), Error);
  Rng rng(3);
  Linear p(2, 2, rng), stranger(2, 2, rng);
  const Tensor before = p.weight.value().clone();
  try {
    init_normal_linears({&p}, {&stranger}, rng, 0.02f, 0.01f);
    ADD_FAILURE() << "no error for a residual Linear outside the list";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("init_normal_linears: a residual Linear"), std::string::npos) << e.what();
  }
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(p.weight.value()[i], before[i]);  // checked before drawing
  EXPECT_THROW(init_normal_linears({&p, nullptr}, {}, rng, 0.02f, 0.01f), Error);
}

}  // namespace
}  // namespace atn
