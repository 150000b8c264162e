#include "tensor/transpose_kernel.h"

#include <cstring>
#include <type_traits>

namespace atn {

void transpose_into_naive(const real* src, int64_t rows, int64_t cols, int64_t src_stride, real* dst,
                          int64_t dst_stride) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) dst[c * dst_stride + r] = src[r * src_stride + c];
}

namespace {

// Eight floats, written with the GCC/Clang vector extension (as the matmul kernel does): one AVX
// register, two SSE or NEON registers.
using Eight = float __attribute__((vector_size(8 * sizeof(float))));

inline Eight load8(const float* p) {
  Eight v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, Eight v) { std::memcpy(p, &v, sizeof v); }

// The 8 × 8 tile at src (rows src_stride apart) transposed into dst (rows dst_stride apart), in
// the three rounds of shuffles of the classic AVX transpose: interleave pairs of rows element by
// element, then pairs of the results two elements at a time, then the 4-element halves.
void transpose_tile8(const float* src, int64_t src_stride, float* dst, int64_t dst_stride) {
  Eight r[8];
  for (int i = 0; i < 8; ++i) r[i] = load8(src + i * src_stride);
  Eight t[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  Eight u[8];
  for (int i = 0; i < 8; i += 4)
    for (int h = 0; h < 2; ++h) {
      u[i + h] = __builtin_shufflevector(t[i + h], t[i + h + 2], 0, 1, 8, 9, 4, 5, 12, 13);
      u[i + h + 2] = __builtin_shufflevector(t[i + h], t[i + h + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    }
  // Now u[i] (i < 4) holds two columns of rows 0-3 and u[4 + i] the same columns of rows 4-7:
  // u[0] columns 0 and 4, u[2] columns 1 and 5, u[1] columns 2 and 6, u[3] columns 3 and 7.
  const int order[4] = {0, 2, 1, 3};
  for (int c = 0; c < 4; ++c) {
    const Eight lo = u[order[c]], hi = u[4 + order[c]];
    store8(dst + c * dst_stride, __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 8, 9, 10, 11));
    store8(dst + (c + 4) * dst_stride, __builtin_shufflevector(lo, hi, 4, 5, 6, 7, 12, 13, 14, 15));
  }
}

}  // namespace

void transpose_into(const real* src, int64_t rows, int64_t cols, int64_t src_stride, real* dst, int64_t dst_stride) {
  if constexpr (!std::is_same_v<real, float>) {
    transpose_into_naive(src, rows, cols, src_stride, dst, dst_stride);
  } else {
    const int64_t rows8 = rows / 8 * 8, cols8 = cols / 8 * 8;
    for (int64_t r = 0; r < rows8; r += 8)
      for (int64_t c = 0; c < cols8; c += 8)
        transpose_tile8(src + r * src_stride + c, src_stride, dst + c * dst_stride + r, dst_stride);
    // The strips the tiles leave: the last cols − cols8 columns of every row, then the last
    // rows − rows8 rows' first cols8 columns.
    transpose_into_naive(src + cols8, rows, cols - cols8, src_stride, dst + cols8 * dst_stride, dst_stride);
    transpose_into_naive(src + rows8 * src_stride, rows - rows8, cols8, src_stride, dst + rows8, dst_stride);
  }
}

}  // namespace atn
