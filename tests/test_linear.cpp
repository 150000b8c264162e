// Linear: layout, values, gradients over leading axes, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "nn/linear.h"

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
