// Absolute positional encodings (nn/positional.h): the sinusoidal formula, the course's variant,
// the learned table, gradients and errors.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "nn/positional.h"

namespace atn {
namespace {

// PE[pos, c] straight from Vaswani et al.'s formula, in double.
double vaswani(int64_t pos, int64_t c, int64_t d, double scale = 1) {
  const double angle = double(pos) / std::pow(10000.0, scale * double(c - c % 2) / double(d));
  return c % 2 == 0 ? std::sin(angle) : std::cos(angle);
}

TEST(Sinusoidal, SmallTableByHand) {
  // d = 4: ω_0 = 1, ω_1 = 10000^(−2/4) = 0.01.
  // pos 0: [sin 0, cos 0, sin 0, cos 0] = [0, 1, 0, 1]
  // pos 1: [sin 1, cos 1, sin 0.01, cos 0.01] = [0.841471, 0.540302, 0.00999983, 0.99995]
  Tensor pe = sinusoidal_table(2, 4);
  EXPECT_EQ(pe.shape(), (Shape{2, 4}));
  const std::vector<real> expect = {0, 1, 0, 1, 0.841471f, 0.540302f, 0.00999983f, 0.99995f};
  for (int64_t c = 0; c < 8; ++c) EXPECT_NEAR(pe[c], expect[size_t(c)], 1e-6) << c;
}

TEST(Sinusoidal, MatchesFormula) {
  const int64_t L = 100, d = 512;  // lesson 04's figure
  Tensor pe = sinusoidal_table(L, d);
  for (auto [pos, c] : std::vector<std::pair<int64_t, int64_t>>{
           {0, 0}, {0, 1}, {1, 0}, {1, 1}, {7, 6}, {7, 7}, {42, 100}, {42, 101}, {99, 510}, {99, 511}, {63, 255}})
    EXPECT_NEAR(pe.at({pos, c}), vaswani(pos, c, d), 1e-6) << "pos " << pos << " column " << c;
  // Odd d: the last column (4, even) is a sine of ω_2 = 10000^(−4/5).
  Tensor odd = sinusoidal_table(10, 5);
  for (int64_t pos : {1, 5, 9}) EXPECT_NEAR(odd.at({pos, 4}), std::sin(pos * std::pow(10000.0, -0.8)), 1e-6);
}

TEST(Sinusoidal, CourseVariantDecaysTwiceAsFast) {
  const int64_t L = 100, d = 16;
  Tensor std_pe = sinusoidal_table(L, d), course = sinusoidal_table_course_variant(L, d);
  for (int64_t pos : {0, 3, 50, 99})
    for (int64_t c : {0, 5, 14, 15}) EXPECT_NEAR(course.at({pos, c}), vaswani(pos, c, d, 2), 1e-6);
  // Course frequency of pair i = 10000^(−4i/d) = the standard frequency of pair 2i, so the
  // course's column pair i equals the standard's pair 2i (for 2i < d/2) ...
  for (int64_t pos = 0; pos < L; ++pos)
    for (int64_t i = 0; 2 * i < d / 2; ++i) {
      EXPECT_FLOAT_EQ(course.at({pos, 2 * i}), std_pe.at({pos, 4 * i}));
      EXPECT_FLOAT_EQ(course.at({pos, 2 * i + 1}), std_pe.at({pos, 4 * i + 1}));
    }
  // ... and the two tables really differ beyond the first pair (same ω_0 = 1).
  EXPECT_GT(std::fabs(course.at({10, 2}) - std_pe.at({10, 2})), 0.1f);
  // The last course pair has ω = 10000^(−28/16) = 1e-7: at pos 99, sin ≈ 9.9e-6, nearly flat.
  EXPECT_NEAR(course.at({99, 14}), 9.9e-6, 1e-7);
}

TEST(Sinusoidal, ForwardAddsRowsAndIsNotState) {
  SinusoidalPositionalEncoding pe(4, 10);
  EXPECT_EQ(pe.num_parameters(), 0);
  EXPECT_TRUE(pe.state_dict().empty());  // rebuilt from (d, max_len), never saved
  EXPECT_EQ(pe.table().shape(), (Shape{10, 4}));
  EXPECT_EQ(pe.type_name(), "SinusoidalPositionalEncoding(4, max_len=10)");
  Rng rng(1);
  Tensor x = Tensor::randn({2, 3, 4}, rng);
  Var y = pe(Var(x));
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t t = 0; t < 3; ++t)
      for (int64_t c = 0; c < 4; ++c) EXPECT_NEAR(y.value().at({b, t, c}), x.at({b, t, c}) + vaswani(t, c, 4), 1e-6);
  // With an offset, row t gets position offset + t.
  Var y5 = pe.forward(Var(x), 5);
  EXPECT_NEAR(y5.value().at({1, 2, 1}), x.at({1, 2, 1}) + vaswani(7, 1, 4), 1e-6);
  // Gradient: identity for x, also for a 2-D input [T, d].
  for (Shape s : {Shape{2, 3, 4}, Shape{6, 4}}) {
    Var xv = param(Tensor::randn(s, rng));
    auto r = gradcheck([&](const std::vector<Var>& v) { return pe.forward(v[0], 2); }, {xv});
    EXPECT_TRUE(r.ok) << r.report;
  }
}

TEST(Sinusoidal, BadInput) {
  SinusoidalPositionalEncoding pe(4, 10);
  try {
    pe(Var(Tensor::zeros({2, 3, 5})));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "SinusoidalPositionalEncoding: input [2, 3, 5] is not [..., T, d_model] with d_model=4");
  }
  EXPECT_THROW(pe(Var(Tensor::zeros({4}))), Error);
  try {
    pe.forward(Var(Tensor::zeros({1, 4, 4})), 7);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "SinusoidalPositionalEncoding: positions 7..10 of input [1, 4, 4] do not fit max_len=10");
  }
  EXPECT_THROW(pe(Var(Tensor::zeros({11, 4}))), Error);
  EXPECT_THROW(pe.forward(Var(Tensor::zeros({1, 4})), -1), Error);
  EXPECT_THROW(SinusoidalPositionalEncoding(0, 10), Error);
  EXPECT_THROW(sinusoidal_table(0, 4), Error);
  EXPECT_THROW(sinusoidal_table(4, 4, 1.0), Error);
}

TEST(Learned, WeightForwardAndGradient) {
  Rng rng(2);
  LearnedPositionalEmbedding pe(64, 32, rng);
  auto named = pe.named_parameters();
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0].first, "weight");
  EXPECT_EQ(pe.weight.shape(), (Shape{64, 32}));
  EXPECT_EQ(pe.type_name(), "LearnedPositionalEmbedding(64, 32)");
  // N(0, 0.02): the sample std of 2048 draws is within ±10% of 0.02 (its own std is ~1.6%).
  double s2 = 0;
  for (real w : pe.weight.value()) s2 += double(w) * w;
  EXPECT_NEAR(std::sqrt(s2 / 2048), 0.02, 0.002);

  // Tiny case: weight rows r = [r, 10r], x = 0 → y[t] = row offset + t.
  LearnedPositionalEmbedding small(4, 2, rng);
  small.weight.value().copy_from(Tensor::from({0, 0, 1, 10, 2, 20, 3, 30}));
  Var y = small.forward(Var(Tensor::zeros({1, 2, 2})), 1);
  EXPECT_EQ(y.value().to_vector(), (std::vector<real>{1, 10, 2, 20}));

  // Gradients reach x and the rows used (summed over the batch), and no other row.
  Var x = param(Tensor::randn({3, 2, 2}, rng));
  auto r = gradcheck([&](const std::vector<Var>& v) { return small.forward(v[0], 1); }, {x, small.weight});
  EXPECT_TRUE(r.ok) << r.report;
  small.zero_grad();
  backward(sum(small.forward(x, 1)));
  // d/dweight[r] = number of batch elements (3) for the rows 1, 2 used, 0 for rows 0 and 3.
  EXPECT_EQ(small.weight.grad().to_vector(), (std::vector<real>{0, 0, 3, 3, 3, 3, 0, 0}));
}

TEST(Learned, BadInput) {
  Rng rng(3);
  EXPECT_THROW(LearnedPositionalEmbedding(0, 4, rng), Error);
  LearnedPositionalEmbedding pe(8, 4, rng);
  try {
    pe(Var(Tensor::zeros({2, 9, 4})));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "LearnedPositionalEmbedding: positions 0..8 of input [2, 9, 4] do not fit max_len=8");
  }
  EXPECT_THROW(pe(Var(Tensor::zeros({2, 3, 3}))), Error);
  EXPECT_THROW(pe.forward(Var(Tensor::zeros({2, 3, 4})), 6), Error);
}

}  // namespace
}  // namespace atn
