// Arithmetic, matmul and sum/mean on Vars: values, gradients (gradcheck with broadcasting), errors.
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "tensor/rng.h"
#include "tests/test_util.h"

namespace atn {
namespace {

using namespace testing_util;

// Denominators kept away from zero so finite differences stay well-conditioned.
Var positive_param(Shape shape, Rng& rng) { return param(Tensor::rand(std::move(shape), rng, 0.5f, 2.0f)); }

TEST(OpsBasic, ForwardValues) {
  Var a(Tensor::from({1, 2, 3, 4}, {2, 2}));
  Var b(Tensor::from({10, 20}, {2}));
  EXPECT_EQ((a + b).value().to_vector(), (std::vector<real>{11, 22, 13, 24}));
  EXPECT_EQ((a - b).value().to_vector(), (std::vector<real>{-9, -18, -7, -16}));
  EXPECT_EQ((a * b).value().to_vector(), (std::vector<real>{10, 40, 30, 80}));
  EXPECT_EQ((b / a).value().to_vector(), (std::vector<real>{10, 10, real(10) / 3, 5}));
  EXPECT_EQ((2.0f - a).value().to_vector(), (std::vector<real>{1, 0, -1, -2}));
  EXPECT_EQ((4.0f / a).value().to_vector(), (std::vector<real>{4, 2, real(4) / 3, 1}));
  // [[1,2],[3,4]] · [[1,2],[3,4]] = [[7,10],[15,22]]
  EXPECT_EQ(matmul(a, a).value().to_vector(), (std::vector<real>{7, 10, 15, 22}));
  EXPECT_EQ(matmul(a, a, true, false).value().to_vector(), (std::vector<real>{10, 14, 14, 20}));
  EXPECT_EQ(sum(a).item(), 10);
  EXPECT_EQ(sum(a, 0).value().to_vector(), (std::vector<real>{4, 6}));
  EXPECT_EQ(mean(a, 1, true).value().shape(), (Shape{2, 1}));
  EXPECT_EQ(mean(a, -1).value().to_vector(), (std::vector<real>{1.5, 3.5}));
}

TEST(OpsBasic, GradcheckBroadcastingArithmetic) {
  Rng rng(1);
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{2, 1, 4}, {3, 1}}, {{}, {2, 3}}, {{5}, {1}}};
  for (const auto& [sa, sb] : shapes) {
    Var a = rand_param(sa, rng), b = rand_param(sb, rng), pb = positive_param(sb, rng);
    for (auto fn : std::vector<GradcheckFn>{
             [](const std::vector<Var>& v) { return v[0] + v[1]; },
             [](const std::vector<Var>& v) { return v[0] - v[1]; },
             [](const std::vector<Var>& v) { return v[0] * v[1]; },
         }) {
      auto r = gradcheck(fn, {a, b});
      EXPECT_TRUE(r.ok) << to_string(sa) << " " << to_string(sb) << "\n" << r.report;
    }
    auto r = gradcheck([](const std::vector<Var>& v) { return v[0] / v[1]; }, {a, pb});
    EXPECT_TRUE(r.ok) << r.report;
  }
}

TEST(OpsBasic, GradcheckScalarsAndNeg) {
  Rng rng(2);
  Var a = positive_param({3, 2}, rng);
  for (auto fn : std::vector<GradcheckFn>{
           [](const std::vector<Var>& v) { return -v[0]; },
           [](const std::vector<Var>& v) { return v[0] * 3.0f + 1.0f; },
           [](const std::vector<Var>& v) { return 2.0f - v[0]; },
           [](const std::vector<Var>& v) { return 2.0f / v[0]; },
       }) {
    auto r = gradcheck(fn, {a});
    EXPECT_TRUE(r.ok) << r.report;
  }
}

TEST(OpsBasic, GradcheckMatmulAllTransposesAndBatchBroadcast) {
  Rng rng(3);
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      Var a = rand_param(ta ? Shape{2, 4, 3} : Shape{2, 3, 4}, rng);
      Var b = rand_param(tb ? Shape{5, 4} : Shape{4, 5}, rng);  // broadcast over the batch of a
      auto r = gradcheck([=](const std::vector<Var>& v) { return matmul(v[0], v[1], ta, tb); }, {a, b});
      EXPECT_TRUE(r.ok) << "ta=" << ta << " tb=" << tb << "\n" << r.report;
    }
  Var a = rand_param({3, 1, 2, 3}, rng), b = rand_param({4, 3, 2}, rng);
  auto r = gradcheck([](const std::vector<Var>& v) { return matmul(v[0], v[1]); }, {a, b});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(OpsBasic, GradcheckReductions) {
  Rng rng(4);
  Var a = rand_param({2, 3, 4}, rng);
  for (int64_t axis : {0, 1, 2, -1})
    for (bool keep : {false, true}) {
      auto r = gradcheck([=](const std::vector<Var>& v) { return sum(v[0], axis, keep); }, {a});
      EXPECT_TRUE(r.ok) << r.report;
      r = gradcheck([=](const std::vector<Var>& v) { return mean(v[0], axis, keep); }, {a});
      EXPECT_TRUE(r.ok) << r.report;
    }
  auto r = gradcheck([](const std::vector<Var>& v) { return mean(v[0]) + sum(v[0]); }, {a});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(OpsBasic, ErrorsNameTheOpAndShapes) {
  Var a(Tensor::zeros({4, 3})), b(Tensor::zeros({5, 2})), c(Tensor::zeros({2, 4}));
  try {
    matmul(a, b);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "matmul: inner dimensions differ: [4, 3] x [5, 2]");
  }
  EXPECT_THROW(a + c, Error);
  EXPECT_THROW(a * c, Error);
  EXPECT_THROW(a - c, Error);
  EXPECT_THROW(a / c, Error);
  EXPECT_THROW(matmul(Var(Tensor::zeros({3})), a), Error);
  EXPECT_THROW(sum(a, 2), Error);
  EXPECT_THROW(mean(a, -3), Error);
}

}  // namespace
}  // namespace atn
