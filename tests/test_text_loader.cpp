// The train/validation split and nanoGPT-style random windows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "data/text_loader.h"
#include "tensor/error.h"

namespace atn {
namespace {

using Ids = std::vector<int64_t>;

Ids iota_ids(int64_t n) {
  Ids ids(size_t(n), 0);
  std::iota(ids.begin(), ids.end(), int64_t(0));
  return ids;
}

TEST(TextLoader, SplitKeepsOrderAndHoldsOutTheEnd) {
  const Ids ids = iota_ids(1000);
  const TextSplit s = split_train_val(ids);
  EXPECT_EQ(s.train.size(), 900u);
  EXPECT_EQ(s.val.size(), 100u);
  EXPECT_EQ(s.train.front(), 0);
  EXPECT_EQ(s.val.front(), 900);
  EXPECT_EQ(s.val.back(), 999);
  const TextSplit none = split_train_val(ids, 0.0);
  EXPECT_EQ(none.train, ids);
  EXPECT_TRUE(none.val.empty());
  EXPECT_EQ(split_train_val(iota_ids(10), 0.25).train.size(), 7u);  // int(10 * 0.75), as nanoGPT
  EXPECT_THROW(split_train_val(ids, 1.0), Error);
  EXPECT_THROW(split_train_val(ids, -0.1), Error);
  EXPECT_THROW(split_train_val(ids, std::nan("")), Error);
}

TEST(TextLoader, WindowsAreContiguousAndTargetsAreShiftedByOne) {
  const Ids ids = iota_ids(500);  // ids[i] == i, so a window shows where it starts
  Rng rng(1);
  const TokenBatch b = sample_windows(ids, 6, 16, rng);
  ASSERT_EQ(b.x.shape(), (Shape{6, 16}));
  ASSERT_EQ(b.y.shape(), (Shape{6, 16}));
  for (int64_t r = 0; r < 6; ++r) {
    const real start = b.x[r * 16];
    EXPECT_GE(start, 0);
    EXPECT_LE(start, 500 - 16 - 1);
    for (int64_t t = 0; t < 16; ++t) {
      EXPECT_EQ(b.x[r * 16 + t], start + real(t));
      EXPECT_EQ(b.y[r * 16 + t], start + real(t) + 1);  // the next token
    }
  }
}

TEST(TextLoader, EveryStartIsDrawnAndNoneOutOfBounds) {
  // n = block + 4 leaves exactly 4 starting points, 0..3; 4000 draws reach each about 1000 times.
  const int64_t block = 8;
  const Ids ids = iota_ids(block + 4);
  Rng rng(2);
  std::vector<int> seen(4, 0);
  for (int k = 0; k < 500; ++k) {
    const TokenBatch b = sample_windows(ids, 8, block, rng);
    for (int64_t r = 0; r < 8; ++r) {
      const auto start = int64_t(b.x[r * block]);
      ASSERT_GE(start, 0);
      ASSERT_LE(start, 3);
      ++seen[size_t(start)];
    }
  }
  for (int c : seen) EXPECT_NEAR(c, 1000, 150);
  // The shortest text that works: block + 1 ids, one window.
  Rng r1(3);
  const TokenBatch one = sample_windows(iota_ids(block + 1), 2, block, r1);
  EXPECT_EQ(one.y[2 * block - 1], real(block));
}

TEST(TextLoader, SameSeedSameBatches) {
  const Ids ids = iota_ids(10000);
  Rng a(7), b(7), c(8);
  for (int k = 0; k < 5; ++k) {
    const TokenBatch ba = sample_windows(ids, 4, 32, a);
    const TokenBatch bb = sample_windows(ids, 4, 32, b);
    const TokenBatch bc = sample_windows(ids, 4, 32, c);
    EXPECT_TRUE(std::equal(ba.x.begin(), ba.x.end(), bb.x.begin()));
    EXPECT_TRUE(std::equal(ba.y.begin(), ba.y.end(), bb.y.begin()));
    EXPECT_FALSE(std::equal(ba.x.begin(), ba.x.end(), bc.x.begin()));
  }
}

TEST(TextLoader, BadArgumentsAreErrors) {
  Rng rng(0);
  try {
    sample_windows(iota_ids(64), 2, 64, rng);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the text has 64 tokens, fewer than block + 1 = 65"), std::string::npos) << e.what();
  }
  EXPECT_THROW(sample_windows(iota_ids(64), 0, 8, rng), Error);
  EXPECT_THROW(sample_windows(iota_ids(64), 2, 0, rng), Error);
  EXPECT_THROW(sample_windows({}, 1, 1, rng), Error);
  EXPECT_THROW(sample_windows({0, -1, 2}, 1, 2, rng), Error);
  EXPECT_THROW(sample_windows({0, int64_t(1) << 24, 2}, 1, 2, rng), Error);
}

}  // namespace
}  // namespace atn
