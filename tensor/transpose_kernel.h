// Copying a matrix into its transpose, the copy under the attention kernels' key blocks and the
// gemm's packed Bᵀ panels. Both run it on small blocks (a head's 64 × 32 keys, a panel of 32 rows
// of a weight), where an element-by-element loop costs a few cycles per value: every store goes
// to another row of the destination. The fast version moves 8 × 8 tiles through vector registers
// instead (load 8 rows of 8, shuffle, store 8 rows of 8). Copies are exact, so both give the same
// values; the naive loop stays as the definition and the tests' reference.
#pragma once
#include <cstdint>

#include "tensor/shape.h"

namespace atn {

// dst[c·dst_stride + r] = src[r·src_stride + c] for r < rows, c < cols. src and dst must not overlap.
void transpose_into(const real* src, int64_t rows, int64_t cols, int64_t src_stride, real* dst, int64_t dst_stride);
void transpose_into_naive(const real* src, int64_t rows, int64_t cols, int64_t src_stride, real* dst,
                          int64_t dst_stride);

}  // namespace atn
