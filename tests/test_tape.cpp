// The tape: what gets recorded, reuse of a Var, NoGrad, clearing, dump, backward errors.
#include <gtest/gtest.h>

#include <thread>

#include "autograd/ops_basic.h"

namespace atn {
namespace {

class TapeTest : public ::testing::Test {
 protected:
  void SetUp() override { Tape::current().clear(); }
};

TEST_F(TapeTest, RecordsOnlyWhenAnInputNeedsAGradient) {
  Var c1(Tensor::scalar(2)), c2(Tensor::scalar(3));
  Var k = c1 * c2;
  EXPECT_FALSE(k.requires_grad());
  EXPECT_EQ(Tape::current().size(), 0u);
  Var x = param(Tensor::scalar(1));
  Var y = x * c1 + c2;
  EXPECT_TRUE(y.requires_grad());
  EXPECT_EQ(Tape::current().size(), 2u);
}

TEST_F(TapeTest, ReusedVarGetsBothContributions) {
  // f = x·x + 3x  →  df/dx = 2x + 3 = 7 at x = 2
  Var x = param(Tensor::scalar(2));
  Var f = x * x + x * 3.0f;
  backward(f);
  EXPECT_FLOAT_EQ(x.grad().item(), 7);
}

TEST_F(TapeTest, GradientsAccumulateAcrossBackwardCallsUntilZeroed) {
  Var x = param(Tensor::scalar(2));
  backward(x * 5.0f);
  backward(x * 5.0f);
  EXPECT_FLOAT_EQ(x.grad().item(), 10);
  x.zero_grad();
  EXPECT_FALSE(x.has_grad());
  backward(x * 5.0f);
  EXPECT_FLOAT_EQ(x.grad().item(), 5);
}

TEST_F(TapeTest, NoGradRecordsNothingAndRestores) {
  Var x = param(Tensor::scalar(2));
  {
    NoGrad guard;
    EXPECT_FALSE(Tape::recording());
    Var y = x * x;
    EXPECT_FALSE(y.requires_grad());
    {
      NoGrad nested;
    }
    EXPECT_FALSE(Tape::recording());
  }
  EXPECT_TRUE(Tape::recording());
  EXPECT_EQ(Tape::current().size(), 0u);
}

TEST_F(TapeTest, BackwardClearsTheTapeAndFreesIntermediates) {
  Var x = param(Tensor::ones({100}));
  std::weak_ptr<Node> intermediate;
  {
    Var h = x * 2.0f;
    intermediate = h.node_ptr();
    Var loss = sum(h * h);
    EXPECT_EQ(Tape::current().size(), 3u);
    backward(loss);
  }
  EXPECT_EQ(Tape::current().size(), 0u);
  EXPECT_TRUE(intermediate.expired());
  EXPECT_FLOAT_EQ(x.grad()[0], 8);  // d/dx Σ (2x)² = 8x
}

TEST_F(TapeTest, DumpListsEntriesInOrderWithShapes) {
  Var w = param(Tensor::ones({3, 2}), "W");
  Var a(Tensor::ones({4, 3}));
  Var y = sum(matmul(a, w));
  const std::string d = Tape::dump();
  EXPECT_NE(d.find("0: matmul(v0[4, 3], W[3, 2]) -> v1[4, 2]"), std::string::npos) << d;
  EXPECT_NE(d.find("1: sum(v1[4, 2]) -> v2[]"), std::string::npos) << d;
  backward(y);
}

TEST_F(TapeTest, BackwardErrors) {
  Var x = param(Tensor::ones({2}));
  Var y = x * 2.0f;
  EXPECT_THROW(backward(y), Error);  // not a scalar, no seed
  EXPECT_THROW(backward(y, Tensor::ones({3})), Error);
  backward(y, Tensor::ones({2}));
  EXPECT_THROW(backward(Var(Tensor::scalar(1))), Error);  // nothing requires a gradient
  EXPECT_EQ(Tape::current().size(), 0u);
}

TEST_F(TapeTest, BackwardOfAConsumedOrClearedTapeIsAnError) {
  Var x = param(Tensor::scalar(3));
  Var loss = x * x;
  backward(loss);
  EXPECT_FLOAT_EQ(x.grad().item(), 6);
  try {
    backward(loss);  // its entry went with the first backward
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("backward: the tape that recorded this output was already consumed"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FLOAT_EQ(x.grad().item(), 6) << "the failed call changed no gradient";
  EXPECT_FLOAT_EQ(loss.grad().item(), 1);

  Var again = x * 2.0f;
  Tape::current().clear();
  EXPECT_THROW(backward(again), Error);
  // A later forward on the same tape does not bring the old entry back.
  Var other = x * 5.0f;
  EXPECT_THROW(backward(again), Error);
  EXPECT_EQ(Tape::current().size(), 1u) << "the error leaves the tape alone";
  backward(other);
  EXPECT_FLOAT_EQ(x.grad().item(), 11);
}

TEST_F(TapeTest, LegitimateBackwardsStillWork) {
  // A leaf is its own output: backward seeds its gradient, as often as asked.
  Var x = param(Tensor::scalar(3));
  backward(x);
  backward(x);
  EXPECT_FLOAT_EQ(x.grad().item(), 2);
  // An output that is not the last entry of the tape.
  x.zero_grad();
  Var y = x * 2.0f;
  Var z = y * 4.0f;
  backward(y);
  EXPECT_FLOAT_EQ(x.grad().item(), 2);
  EXPECT_EQ(Tape::current().size(), 0u);
  (void)z;
}

TEST_F(TapeTest, EachThreadHasItsOwnTape) {
  Var x = param(Tensor::scalar(1));
  Var y = x * 2.0f;
  size_t other_size = 99;
  std::thread t([&] { other_size = Tape::current().size(); });
  t.join();
  EXPECT_EQ(other_size, 0u);
  EXPECT_EQ(Tape::current().size(), 1u);
  backward(y);
}

}  // namespace
}  // namespace atn
