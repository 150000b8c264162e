// The compiler itself: constants the project relies on must come out as written. GCC 12.2 with
// AVX-512 turns the initializer below into eight ones unless SLP vectorization is off (see the
// Makefile); this test fails if that workaround is lost or another compiler gets it wrong.
#include <gtest/gtest.h>

#include <vector>

namespace {

TEST(Toolchain, ShortFloatInitializerKeepsItsTrailingZeros) {
  std::vector<float> a{1, 1, 1, 1, 1, 1, 0, 0};
  float sum = 0;
  for (float v : a) sum += v;
  EXPECT_EQ(sum, 6.0f);
  EXPECT_EQ(a[6], 0.0f);
  EXPECT_EQ(a[7], 0.0f);
}

TEST(Toolchain, ShortIntInitializerKeepsItsTrailingZeros) {
  std::vector<int> b{2, 2, 2, 2, 2, 0, 0, 0};
  int sum = 0;
  for (int v : b) sum += v;
  EXPECT_EQ(sum, 10);
}

}  // namespace
