// ALiBi (nn/alibi.h): the paper's slopes for powers of 2 and other head counts, bias values,
// no parameters, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/alibi.h"

namespace atn {
namespace {

TEST(ALiBi, SlopesPowerOfTwo) {
  // H = 8: 2^(−8(h+1)/8) = 2^−(h+1): 1/2, 1/4, ..., 1/256 (the paper's example).
  std::vector<real> m = ALiBi::slopes_for(8);
  ASSERT_EQ(m.size(), 8u);
  for (size_t h = 0; h < 8; ++h) EXPECT_FLOAT_EQ(m[h], std::ldexp(1.0f, -int(h + 1))) << h;
  // H = 16: 2^−0.5, 2^−1, ..., 2^−8.
  m = ALiBi::slopes_for(16);
  EXPECT_FLOAT_EQ(m[0], std::sqrt(0.5f));
  EXPECT_FLOAT_EQ(m[15], 1.0f / 256);
  // H = 1: 2^−8.
  EXPECT_FLOAT_EQ(ALiBi::slopes_for(1)[0], 1.0f / 256);
}

TEST(ALiBi, SlopesOtherHeadCounts) {
  // H = 6: the 4-head slopes 1/4, 1/16, 1/64, 1/256, then every other 8-head slope: 1/2, 1/8.
  const std::vector<real> six = {0.25f, 1.0f / 16, 1.0f / 64, 1.0f / 256, 0.5f, 0.125f};
  EXPECT_EQ(ALiBi::slopes_for(6), six);
  // H = 12: 2^−1 .. 2^−8, then the 16-head slopes 2^−0.5, 2^−1.5, 2^−2.5, 2^−3.5.
  std::vector<real> m = ALiBi::slopes_for(12);
  ASSERT_EQ(m.size(), 12u);
  for (int h = 0; h < 8; ++h) EXPECT_FLOAT_EQ(m[size_t(h)], std::ldexp(1.0f, -(h + 1)));
  for (int e = 0; e < 4; ++e) EXPECT_FLOAT_EQ(m[size_t(8 + e)], std::exp2(-0.5f - real(e)));
  // H = 3: 2^−4, 2^−8, then the 4-head slope 2^−2.
  EXPECT_EQ(ALiBi::slopes_for(3), (std::vector<real>{1.0f / 16, 1.0f / 256, 0.25f}));
}

TEST(ALiBi, BiasValuesAndNoParameters) {
  ALiBi alibi(2);  // slopes 1/16, 1/256
  EXPECT_EQ(alibi.num_parameters(), 0);
  EXPECT_TRUE(alibi.state_dict().empty());
  EXPECT_EQ(alibi.type_name(), "ALiBi(2 heads)");
  // Head 0, −|i − j|/16 for i, j < 3:
  //   [ 0      −1/16  −2/16 ]
  //   [ −1/16  0      −1/16 ]
  //   [ −2/16  −1/16  0     ]
  Tensor b = alibi.bias(3, 3);
  ASSERT_EQ(b.shape(), (Shape{2, 3, 3}));
  const std::vector<real> head0 = {0, -0.0625f, -0.125f, -0.0625f, 0, -0.0625f, -0.125f, -0.0625f, 0};
  EXPECT_EQ(b.narrow0(0, 1).to_vector(), head0);
  EXPECT_FLOAT_EQ(b.at({1, 2, 0}), -2.0f / 256);
  // One query at position 3 against 4 keys (KV cache): −m·[3, 2, 1, 0].
  Tensor last = alibi.bias(1, 4, 3);
  EXPECT_EQ(last.narrow0(0, 1).to_vector(), (std::vector<real>{-0.1875f, -0.125f, -0.0625f, 0}));
  // Rectangular: each row's distances start from its own query position.
  EXPECT_FLOAT_EQ(alibi.bias(2, 5).at({0, 1, 4}), -3.0f / 16);
}

TEST(ALiBi, BadInput) {
  try {
    ALiBi bad(0);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "ALiBi: n_heads must be >= 1, got 0");
  }
  ALiBi alibi(4);
  EXPECT_THROW(alibi.bias(0, 3), Error);
  EXPECT_THROW(alibi.bias(3, 0), Error);
  EXPECT_THROW(alibi.bias(1, 3, -1), Error);
}

}  // namespace
}  // namespace atn
