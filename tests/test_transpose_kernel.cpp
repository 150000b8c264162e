// transpose_into (8 × 8 tiles through vector registers, naive strips at the edges) against the
// element-by-element definition, over sizes with and without whole tiles and strides wider than
// the rows; and it writes nothing outside the transposed block.
#include <gtest/gtest.h>

#include <vector>

#include "tensor/rng.h"
#include "tensor/transpose_kernel.h"

namespace atn {
namespace {

TEST(TransposeKernel, MatchesTheNaiveLoopAndTouchesOnlyItsBlock) {
  Rng rng(7);
  const real sentinel = -12345;
  for (int64_t rows : {0, 1, 3, 7, 8, 9, 16, 17, 32, 64})
    for (int64_t cols : {0, 1, 5, 8, 12, 15, 16, 31, 32, 33})
      for (int64_t pad : {0, 3}) {
        const int64_t src_stride = cols + pad, dst_stride = rows + 2 * pad;
        std::vector<real> src(size_t(std::max<int64_t>(1, rows * src_stride)));
        for (real& v : src) v = rng.normal();
        const size_t dst_size = size_t(std::max<int64_t>(1, cols * dst_stride));
        std::vector<real> fast(dst_size, sentinel), naive(dst_size, sentinel);
        transpose_into(src.data(), rows, cols, src_stride, fast.data(), dst_stride);
        transpose_into_naive(src.data(), rows, cols, src_stride, naive.data(), dst_stride);
        ASSERT_EQ(fast, naive) << rows << "x" << cols << " pad " << pad;
        for (int64_t c = 0; c < cols; ++c)
          for (int64_t r = 0; r < dst_stride; ++r) {
            const real want = r < rows ? src[size_t(r * src_stride + c)] : sentinel;
            ASSERT_EQ(fast[size_t(c * dst_stride + r)], want) << rows << "x" << cols << " at " << r << ", " << c;
          }
      }
}

}  // namespace
}  // namespace atn
