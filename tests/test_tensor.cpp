// Tensor: construction, views, access, printing, and their errors.
#include <gtest/gtest.h>

#include <cmath>

#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace atn {
namespace {

TEST(Tensor, FactoriesShapesAndValues) {
  Tensor z = Tensor::zeros({2, 3});
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  EXPECT_EQ(z.numel(), 6);
  EXPECT_EQ(z.dim(), 2);
  EXPECT_EQ(z.size(-1), 3);
  for (real v : z) EXPECT_EQ(v, 0);
  EXPECT_EQ(Tensor::ones({4}).to_vector(), (std::vector<real>{1, 1, 1, 1}));
  EXPECT_EQ(Tensor::full({2}, 7).to_vector(), (std::vector<real>{7, 7}));
  EXPECT_EQ(Tensor::scalar(3).dim(), 0);
  EXPECT_EQ(Tensor::scalar(3).item(), 3);
  EXPECT_EQ(Tensor::arange(4).to_vector(), (std::vector<real>{0, 1, 2, 3}));
  EXPECT_EQ(Tensor::arange(1, 2, 0.25f).to_vector(), (std::vector<real>{1, 1.25f, 1.5f, 1.75f}));
  Tensor m = Tensor::from({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(m.at({1, 0}), 4);
  EXPECT_EQ(m.at({-1, -1}), 6);
  EXPECT_EQ(Tensor::zeros({0, 3}).numel(), 0);
}

TEST(Tensor, RandomFactoriesFollowTheirDistributions) {
  Rng rng(7);
  Tensor u = Tensor::rand({10000}, rng, -1, 3);
  double s = 0;
  for (real v : u) {
    EXPECT_GE(v, -1);
    EXPECT_LT(v, 3);
    s += v;
  }
  EXPECT_NEAR(s / 10000, 1.0, 0.05);
  Tensor n = Tensor::randn({20000}, rng, 2, 0.5f);
  double m = 0, q = 0;
  for (real v : n) m += v;
  m /= n.numel();
  for (real v : n) q += (v - m) * (v - m);
  EXPECT_NEAR(m, 2.0, 0.02);
  EXPECT_NEAR(std::sqrt(q / n.numel()), 0.5, 0.02);
}

TEST(Tensor, ReshapeAndNarrowAreViews) {
  Tensor a = Tensor::arange(6);
  Tensor b = a.reshape({2, -1});
  EXPECT_EQ(b.shape(), (Shape{2, 3}));
  EXPECT_TRUE(b.shares_storage_with(a));
  b.at({1, 2}) = 42;
  EXPECT_EQ(a[5], 42);
  Tensor row = b.narrow0(1, 1);
  EXPECT_EQ(row.shape(), (Shape{1, 3}));
  EXPECT_EQ(row.to_vector(), (std::vector<real>{3, 4, 42}));
  row[0] = -1;
  EXPECT_EQ(a[3], -1);
  Tensor c = a.clone();
  c[0] = 9;
  EXPECT_EQ(a[0], 0);
  EXPECT_FALSE(c.shares_storage_with(a));
}

TEST(Tensor, PrintsLikePyTorch) {
  EXPECT_EQ(Tensor::from({1, 2, 3, 4}, {2, 2}).str(2), "tensor([[1.00, 2.00],\n        [3.00, 4.00]], shape=[2, 2])");
  EXPECT_EQ(Tensor::scalar(0.5f).str(1), "tensor(0.5, shape=[])");
  // Long axes are elided in the middle.
  std::string s = Tensor::arange(20).str(0);
  EXPECT_NE(s.find("0, 1, 2, ..., 17, 18, 19"), std::string::npos) << s;
}

TEST(Tensor, Allclose) {
  Tensor a = Tensor::from({1, 2});
  EXPECT_TRUE(allclose(a, Tensor::from({1, 2.000001f})));
  EXPECT_FALSE(allclose(a, Tensor::from({1, 2.1f})));
  EXPECT_FALSE(allclose(a, Tensor::from({1, 2, 3})));
  EXPECT_FALSE(allclose(a, Tensor::from({1, NAN})));
  EXPECT_FLOAT_EQ(max_abs_diff(a, Tensor::from({1.5f, 2})), 0.5f);
}

TEST(Tensor, BadInputThrows) {
  try {
    Tensor::from({1, 2, 3}, {2, 2});
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Tensor: 3 values do not fill shape [2, 2] (4 elements)");
  }
  EXPECT_THROW(Tensor({-1, 2}), Error);
  EXPECT_THROW(Tensor::arange(0, 1, 0), Error);
  Tensor a = Tensor::zeros({2, 3});
  EXPECT_THROW(a.reshape({4, 2}), Error);
  EXPECT_THROW(a.reshape({-1, -1}), Error);
  EXPECT_THROW(a.reshape({-1, 4}), Error);
  EXPECT_THROW(a.at({2, 0}), Error);
  EXPECT_THROW(a.at({0}), Error);
  EXPECT_THROW(a.item(), Error);
  EXPECT_THROW(a.size(2), Error);
  EXPECT_THROW(a.narrow0(1, 2), Error);
  EXPECT_THROW(a.copy_from(Tensor::zeros({5})), Error);
  EXPECT_THROW(max_abs_diff(a, Tensor::zeros({3, 2})), Error);
}

}  // namespace
}  // namespace atn
