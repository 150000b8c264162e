// Reductions: values on hand-computed cases, keepdim, sum_to, errors.
#include <gtest/gtest.h>

#include "tensor/reduce.h"

namespace atn {
namespace {

// a = [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]  (shape [2, 3, 2])
Tensor cube() { return Tensor::from({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {2, 3, 2}); }

TEST(Reduce, SumMeanOverEachAxis) {
  Tensor a = cube();
  EXPECT_EQ(sum(a).item(), 78);
  EXPECT_EQ(mean(a).item(), 6.5);
  EXPECT_EQ(sum(a, 0).to_vector(), (std::vector<real>{8, 10, 12, 14, 16, 18}));
  EXPECT_EQ(sum(a, 1).to_vector(), (std::vector<real>{9, 12, 27, 30}));
  EXPECT_EQ(sum(a, 2).to_vector(), (std::vector<real>{3, 7, 11, 15, 19, 23}));
  EXPECT_EQ(sum(a, 1, true).shape(), (Shape{2, 1, 2}));
  EXPECT_EQ(sum(a, -1).shape(), (Shape{2, 3}));
  EXPECT_EQ(mean(a, 1).to_vector(), (std::vector<real>{3, 4, 9, 10}));
}

TEST(Reduce, MaxArgmaxFirstOnTies) {
  Tensor a = Tensor::from({1, 5, 5, 2, 0, -1}, {2, 3});
  EXPECT_EQ(max(a, 1).to_vector(), (std::vector<real>{5, 2}));
  EXPECT_EQ(argmax(a, 1).to_vector(), (std::vector<real>{1, 0}));
  EXPECT_EQ(argmax(a, 0).to_vector(), (std::vector<real>{1, 0, 0}));
  EXPECT_EQ(argmax(a, 0, true).shape(), (Shape{1, 3}));
  EXPECT_EQ(max_value(a), 5);
  EXPECT_EQ(min_value(a), -1);
}

TEST(Reduce, SumToUndoesBroadcasting) {
  Tensor g = Tensor::ones({4, 2, 3});
  EXPECT_EQ(sum_to(g, {3}).to_vector(), (std::vector<real>{8, 8, 8}));
  EXPECT_EQ(sum_to(g, {2, 1}).to_vector(), (std::vector<real>{12, 12}));
  EXPECT_EQ(sum_to(g, {}).item(), 24);
  EXPECT_EQ(sum_to(g, {4, 2, 3}).numel(), 24);
}

TEST(Reduce, Errors) {
  Tensor a = cube();
  EXPECT_THROW(sum(a, 3), Error);
  EXPECT_THROW(max(a, -4), Error);
  EXPECT_THROW(argmax(Tensor::zeros({2, 0}), 1), Error);
  EXPECT_THROW(mean(Tensor::zeros({0})), Error);
  EXPECT_THROW(max_value(Tensor::zeros({0})), Error);
  try {
    sum_to(a, {4});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sum_to"), std::string::npos);
  }
}

}  // namespace
}  // namespace atn
