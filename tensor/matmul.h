// Matrix multiplication: a naive reference and two fast blocked kernels that must agree, and the
// batched, broadcasting matmul built on them.
#pragma once
#include "tensor/tensor.h"

namespace atn {

// Row strides of gemm's stored matrices: row r of A (stored [M,K], or [K,M] when trans_a) starts
// at A + r·lda, likewise B (ldb) and C (ldc). 0 means contiguous (the row's own length), the
// default. The attention kernels use them to read one head's rows out of [B, T, H·d] in place.
struct GemmStrides {
  int64_t lda = 0, ldb = 0, ldc = 0;
};

// C[M,N] (+)= op(A)[M,K] · op(B)[K,N], all row-major, contiguous unless `strides` say otherwise.
// op(A) = A stored [M,K], or Aᵀ when trans_a (A stored [K,M]); likewise B ([K,N] or [N,K]).
// With accumulate, the product is added to C; otherwise C is overwritten. With a bias row
// (N values), C = bias + op(A)·op(B), the bias added to every row: the same bits as copying the
// bias into each row of C and accumulating, without the pass over C that the copy costs
// (bias and accumulate together throw Error).
// Runs gemm_in_place or gemm_packed, as gemm_reads_in_place says; both give the same bits.
void gemm(int64_t M, int64_t N, int64_t K, const real* A, bool trans_a, const real* B, bool trans_b, real* C,
          bool accumulate = false, const real* bias = nullptr, const GemmStrides& strides = {});
// The three nested loops, kept as the readable definition and as the reference for tests.
void gemm_naive(int64_t M, int64_t N, int64_t K, const real* A, bool trans_a, const real* B, bool trans_b, real* C,
                bool accumulate = false, const real* bias = nullptr, const GemmStrides& strides = {});
// The fast paths (tensor/matmul_blocked.cpp). Same micro-kernel, same order of additions, so the
// same result bit for bit; they differ in where the kernel reads its operands:
//  - gemm_packed copies op(A) and op(B) into panels laid out in the kernel's reading order first
//    (the GotoBLAS design: it pays off when the operands outgrow the caches);
//  - gemm_in_place reads A, and B unless trans_b, where they are, and packs only Bᵀ and the
//    partial panels at the edges (cheaper when the operands are small).
void gemm_packed(int64_t M, int64_t N, int64_t K, const real* A, bool trans_a, const real* B, bool trans_b, real* C,
                 bool accumulate = false, const real* bias = nullptr, const GemmStrides& strides = {});
void gemm_in_place(int64_t M, int64_t N, int64_t K, const real* A, bool trans_a, const real* B, bool trans_b, real* C,
                   bool accumulate = false, const real* bias = nullptr, const GemmStrides& strides = {});
// The size rule gemm uses: true when gemm_in_place is the faster path for this product
// (measured with bench/bench_matmul.cpp; see matmul.cpp).
bool gemm_reads_in_place(int64_t M, int64_t N, int64_t K, bool trans_a, bool trans_b);

// Batched matmul: a [..., M, K] · b [..., K, N] → [..., M, N], batch axes broadcast (NumPy
// rules). trans_a / trans_b transpose the last two axes of a / b first. Both need ≥ 2 axes.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);
Tensor matmul_naive(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

namespace detail {
// The strides gemm uses: each 0 in `given` replaced by its row's length (lda: K, or M when
// trans_a; ldb: N, or K when trans_b; ldc: N). Throws Error naming fn when one is shorter.
GemmStrides resolve_strides(int64_t M, int64_t N, int64_t K, bool trans_a, bool trans_b, const GemmStrides& given,
                            const char* fn);
// Below this many flops (2·M·N·K) a product runs on the calling thread: waking a worker costs
// tens of microseconds, as long as the whole product. (The batched matmul uses it too.)
constexpr double kGemmParallelFlops = 4e6;
}  // namespace detail

}  // namespace atn
