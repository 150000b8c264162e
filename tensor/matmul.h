// Matrix multiplication: a naive reference and a fast blocked kernel that must agree, and the
// batched, broadcasting matmul built on them.
#pragma once
#include "tensor/tensor.h"

namespace atn {

// C[M,N] (+)= op(A)[M,K] · op(B)[K,N], all row-major and contiguous.
// op(A) = A stored [M,K], or Aᵀ when trans_a (A stored [K,M]); likewise B ([K,N] or [N,K]).
// With accumulate, the product is added to C; otherwise C is overwritten.
void gemm(int64_t M, int64_t N, int64_t K, const real* A, bool trans_a, const real* B, bool trans_b, real* C,
          bool accumulate = false);
// The three nested loops, kept as the readable definition and as the reference for tests.
void gemm_naive(int64_t M, int64_t N, int64_t K, const real* A, bool trans_a, const real* B, bool trans_b,
                real* C, bool accumulate = false);

// Batched matmul: a [..., M, K] · b [..., K, N] → [..., M, N], batch axes broadcast (NumPy
// rules). trans_a / trans_b transpose the last two axes of a / b first. Both need ≥ 2 axes.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);
Tensor matmul_naive(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

}  // namespace atn
