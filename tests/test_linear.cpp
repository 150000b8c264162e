// Linear: layout, values, gradients over leading axes, errors.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/ops_linear.h"
#include "autograd/tape.h"
#include "nn/linear.h"
#include "tensor/matmul.h"
#include "tensor/thread_pool.h"
#include "tests/test_util.h"

namespace atn {
namespace {

TEST(Linear, PyTorchLayoutInitAndValues) {
  Rng rng(1);
  Linear fc(3, 2, rng);
  auto named = fc.named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "weight");
  EXPECT_EQ(named[0].second.shape(), (Shape{2, 3}));
  EXPECT_EQ(named[1].first, "bias");
  EXPECT_EQ(fc.num_parameters(), 8);
  const real bound = 1 / std::sqrt(3.0f);
  for (real w : fc.weight.value()) EXPECT_LE(std::fabs(w), bound);
  // W = [[1,0,1],[0,2,0]], b = [0.5,-1];  x = [1,2,3] → [1+3+0.5, 4−1] = [4.5, 3]
  fc.weight.value().copy_from(Tensor::from({1, 0, 1, 0, 2, 0}));
  fc.bias.value().copy_from(Tensor::from({0.5f, -1}));
  Var y = fc(Var(Tensor::from({1, 2, 3}, {1, 3})));
  EXPECT_EQ(y.value().to_vector(), (std::vector<real>{4.5f, 3}));
  EXPECT_EQ(fc.type_name(), "Linear(3, 2)");
  Linear nb(3, 2, rng, false);
  EXPECT_FALSE(nb.bias.defined());
  EXPECT_EQ(nb.num_parameters(), 6);
}

TEST(Linear, GradcheckOverLeadingAxes) {
  Rng rng(2);
  Linear fc(4, 3, rng);
  for (Shape s : {Shape{5, 4}, Shape{2, 3, 4}}) {
    Var x = param(Tensor::randn(s, rng));
    auto r = gradcheck([&](const std::vector<Var>& v) { return fc(v[0]); }, {x, fc.weight, fc.bias});
    EXPECT_TRUE(r.ok) << r.report;
    Shape expect = s;
    expect.back() = 3;
    EXPECT_EQ(fc(x).shape(), expect);
  }
}

TEST(Linear, BadInput) {
  Rng rng(3);
  EXPECT_THROW(Linear(0, 2, rng), Error);
  Linear fc(3, 2, rng);
  try {
    fc(Var(Tensor::zeros({4, 5})));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Linear: input [4, 5] is not [..., in_features] with in_features=3");
  }
  EXPECT_THROW(fc(Var(Tensor::zeros({3}))), Error);
}

}  // namespace
}  // namespace atn

// The fused linear op against the composed reference (reshape, matmul, add, reshape).
TEST(LinearOp, FusedMatchesComposedValuesAndGradients) {
  atn::Rng rng(31);
  for (bool with_bias : {true, false}) {
    atn::Var w = atn::param(atn::Tensor::randn({5, 7}, rng));
    atn::Var b = with_bias ? atn::param(atn::Tensor::randn({5}, rng)) : atn::Var();
    atn::Var x = atn::param(atn::Tensor::randn({2, 3, 7}, rng));
    atn::Tensor seed = atn::Tensor::randn({2, 3, 5}, rng);
    atn::Var y = atn::linear(x, w, b);
    atn::backward(y, seed);
    const atn::Tensor gx = x.grad(), gw = w.grad(), gb = with_bias ? b.grad() : atn::Tensor();
    x.zero_grad(), w.zero_grad();
    if (with_bias) b.zero_grad();
    atn::Var z = atn::linear_composed(x, w, b);
    atn::backward(z, seed);
    EXPECT_LE(atn::max_abs_diff(y.value(), z.value()), 1e-5f);
    EXPECT_LE(atn::max_abs_diff(gx, x.grad()), 1e-5f);
    EXPECT_LE(atn::max_abs_diff(gw, w.grad()), 1e-5f);
    if (with_bias) {
      EXPECT_LE(atn::max_abs_diff(gb, b.grad()), 1e-5f);
    }
  }
}

// The bias goes into the product (gemm's bias row) and its gradient is summed in column chunks
// over threads; neither may change a bit against the plain way (copy the bias into every row,
// accumulate the product; sum the rows of g in order, one after another), for any thread count.
// The shapes: the small GPT's layers (768 rows), one whose bias sum is big enough to be split
// over threads (2048 × 300, with a partial group of columns), a small one.
TEST(LinearOp, BiasBitsAsCopyThenAccumulateForAnyThreadCount) {
  atn::testing_util::KeepThreadCount keep;
  atn::Rng rng(34);
  for (const auto& [rows, in, out] :
       std::vector<std::array<int64_t, 3>>{{768, 128, 384}, {768, 128, 65}, {2048, 16, 300}, {50, 9, 7}}) {
    atn::Var w = atn::param(atn::Tensor::randn({out, in}, rng)), b = atn::param(atn::Tensor::randn({out}, rng));
    atn::Var x = atn::param(atn::Tensor::randn({rows, in}, rng));
    const atn::Tensor g = atn::Tensor::randn({rows, out}, rng);
    std::vector<atn::real> y_want(size_t(rows * out)), db_want(size_t(out), 0);
    for (int64_t r = 0; r < rows; ++r) std::copy_n(b.value().data(), out, y_want.data() + r * out);
    atn::gemm(rows, out, in, x.value().data(), false, w.value().data(), true, y_want.data(), true);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < out; ++j) db_want[size_t(j)] += g.data()[r * out + j];
    for (int threads : {1, 2, 3}) {
      atn::set_num_threads(threads);
      b.zero_grad();
      atn::Var y = atn::linear(x, w, b);
      EXPECT_EQ(y.value().to_vector(), y_want) << rows << "x" << in << "x" << out << " threads=" << threads;
      atn::backward(y, g);
      EXPECT_EQ(b.grad().to_vector(), db_want) << rows << "x" << in << "x" << out << " threads=" << threads;
    }
  }
}

TEST(LinearOp, Gradcheck) {
  atn::Rng rng(32);
  std::vector<atn::Var> in = {atn::param(atn::Tensor::randn({2, 2, 3}, rng)), atn::param(atn::Tensor::randn({4, 3}, rng)),
                              atn::param(atn::Tensor::randn({4}, rng))};
  const auto r = atn::gradcheck([](const std::vector<atn::Var>& v) { return atn::linear(v[0], v[1], v[2]); }, in);
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(LinearOp, BadShapesThrowNamingTheOp) {
  atn::Var w = atn::param(atn::Tensor({4, 3})), b = atn::param(atn::Tensor({4}));
  EXPECT_THROW(atn::linear(atn::param(atn::Tensor({2, 5})), w, b), atn::Error);   // in differs
  EXPECT_THROW(atn::linear(atn::param(atn::Tensor({2, 3})), w, atn::param(atn::Tensor({3}))), atn::Error);  // bias
  EXPECT_THROW(atn::linear(atn::param(atn::Tensor({2, 3})), atn::param(atn::Tensor({12})), b), atn::Error);  // weight 1-D
  try {
    atn::linear(atn::param(atn::Tensor({2, 5})), w, b);
  } catch (const atn::Error& e) {
    EXPECT_NE(std::string(e.what()).find("linear:"), std::string::npos) << e.what();
  }
}

TEST(LinearOp, OneTapeEntryPerCall) {
  atn::Rng rng(33);
  atn::Linear lin(3, 4, rng);
  atn::Var x = atn::param(atn::Tensor::randn({2, 5, 3}, rng));
  atn::Tape::current().clear();
  atn::Var y = lin(x);
  EXPECT_EQ(atn::Tape::current().size(), 1u);
  atn::Tape::current().clear();
}
