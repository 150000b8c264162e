// Matrix multiplication: the three loops (gemm_naive), the choice between the two fast paths
// (gemm, by gemm_reads_in_place; the paths themselves are in matmul_blocked.cpp), and the
// batched, broadcasting matmul over them.
#include "tensor/matmul.h"

#include <algorithm>

#include "tensor/elementwise.h"
#include "tensor/thread_pool.h"

namespace atn {

void gemm_naive(int64_t M, int64_t N, int64_t K, const real* A, bool trans_a, const real* B, bool trans_b, real* C,
                bool accumulate, const real* bias, const GemmStrides& strides) {
  if (bias && accumulate) fail("gemm_naive: a bias row and accumulate = true both give the sum its start; pass one");
  const GemmStrides st = detail::resolve_strides(M, N, K, trans_a, trans_b, strides, "gemm_naive");
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      real s = 0;
      for (int64_t k = 0; k < K; ++k) {
        real a = trans_a ? A[k * st.lda + i] : A[i * st.lda + k];
        real b = trans_b ? B[j * st.ldb + k] : B[k * st.ldb + j];
        s += a * b;
      }
      real& c = C[i * st.ldc + j];
      c = accumulate ? c + s : bias ? bias[j] + s : s;
    }
}

namespace detail {
GemmStrides resolve_strides(int64_t M, int64_t N, int64_t K, bool trans_a, bool trans_b, const GemmStrides& given,
                            const char* fn) {
  const GemmStrides rows{trans_a ? M : K, trans_b ? K : N, N};  // the stored rows' own lengths
  const GemmStrides st{given.lda ? given.lda : rows.lda, given.ldb ? given.ldb : rows.ldb,
                       given.ldc ? given.ldc : rows.ldc};
  if (st.lda < rows.lda || st.ldb < rows.ldb || st.ldc < rows.ldc)
    fail(fn, ": row strides lda=", st.lda, ", ldb=", st.ldb, ", ldc=", st.ldc, " are shorter than the rows (", rows.lda,
         ", ", rows.ldb, ", ", rows.ldc, ")");
  return st;
}
}  // namespace detail

// Measured with bench/bench_matmul.cpp ("matmul paths" and "matmul crossover" lines; AVX-512,
// 1 MB L2, one thread). Packing copies M·K + K·N values to make the reads of M·N·K multiply-adds
// contiguous; it costs 1/N + 1/M of the product, so with one side small (≤ 512) reading in place
// wins at any length (4096×64×4096: 2×; 2048×512×2048: 1.3×). With both sides large it only
// wins while the operands are small enough for the caches to hide the strided reads: square
// products are 1.03-1.1× faster in place up to 1024³ and 0.9-0.96× from 1280³-1536³ on, and
// 768×768×2048 is already 0.86×. Both paths give the same bits, so the rule is only about speed.
bool gemm_reads_in_place(int64_t M, int64_t N, int64_t K, bool trans_a, bool trans_b) {
  (void)trans_a, (void)trans_b;  // the transposes moved the crossover less than the noise
  return std::min(M, N) <= 512 || double(M) * double(N) * double(K) <= 1024.0 * 1024.0 * 1024.0;
}

void gemm(int64_t M, int64_t N, int64_t K, const real* A, bool trans_a, const real* B, bool trans_b, real* C,
          bool accumulate, const real* bias, const GemmStrides& strides) {
  if (gemm_reads_in_place(M, N, K, trans_a, trans_b))
    gemm_in_place(M, N, K, A, trans_a, B, trans_b, C, accumulate, bias, strides);
  else
    gemm_packed(M, N, K, A, trans_a, B, trans_b, C, accumulate, bias, strides);
}

namespace {
using Gemm = void (*)(int64_t, int64_t, int64_t, const real*, bool, const real*, bool, real*, bool, const real*,
                      const GemmStrides&);

Tensor batched(const Tensor& a, const Tensor& b, bool ta, bool tb, Gemm kernel, bool allow_threads) {
  if (a.dim() < 2 || b.dim() < 2)
    fail("matmul: both operands need at least 2 dimensions, got ", to_string(a.shape()), " x ", to_string(b.shape()));
  const Shape& sa = a.shape();
  const Shape& sb = b.shape();
  const int64_t M = ta ? sa[sa.size() - 1] : sa[sa.size() - 2];
  const int64_t Ka = ta ? sa[sa.size() - 2] : sa[sa.size() - 1];
  const int64_t Kb = tb ? sb[sb.size() - 1] : sb[sb.size() - 2];
  const int64_t N = tb ? sb[sb.size() - 2] : sb[sb.size() - 1];
  if (Ka != Kb)
    fail("matmul: inner dimensions differ: ", to_string(sa), (ta ? "ᵀ" : ""), " x ", to_string(sb), (tb ? "ᵀ" : ""));
  const Shape batch_a(sa.begin(), sa.end() - 2), batch_b(sb.begin(), sb.end() - 2);
  const auto plan = detail::plan_broadcast(batch_a, batch_b, "matmul");
  Shape out_shape = plan.out;
  out_shape.push_back(M);
  out_shape.push_back(N);
  numel(out_shape, "matmul");             // [2^30, 1] x [1, 2^30] is refused here, not by the allocator
  Tensor out = Tensor::empty(out_shape);  // gemm overwrites C (accumulate = false)
  if (out.numel() == 0) return out;
  const int64_t batches = numel(plan.out);
  const int64_t mat_a = M * Ka, mat_b = Kb * N, mat_c = M * N;
  const real* pa = a.data();
  const real* pb = b.data();
  real* pc = out.data();
  // Matrices [begin, end) of the batch. The broadcast batch index of matrix t is decoded from t
  // (plan strides count batch elements, so they are scaled by the matrix sizes).
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      int64_t ia = 0, ib = 0, rest = t;
      for (size_t d = plan.out.size(); d-- > 0;) {
        const int64_t i = rest % plan.out[d];
        rest /= plan.out[d];
        ia += i * plan.stride_a[d];
        ib += i * plan.stride_b[d];
      }
      kernel(M, N, Ka, pa + ia * mat_a, ta, pb + ib * mat_b, tb, pc + t * mat_c, false, nullptr, {});
    }
  };
  // Many small products (attention heads): whole matrices per task, a few together when they are
  // tiny, each computed by one thread (its own gemm then runs inline). Big products: one after
  // another, each split by gemm itself. Either way each matrix gets the same bits.
  const double flops = 2.0 * double(M) * double(N) * double(Ka);
  if (allow_threads && batches > 1 && flops < detail::kGemmParallelFlops &&
      flops * double(batches) >= detail::kGemmParallelFlops)
    parallel_for(batches, run, std::max<int64_t>(1, int64_t(detail::kGemmParallelFlops / 8 / std::max(flops, 1.0))));
  else
    run(0, batches);
  return out;
}
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  return batched(a, b, trans_a, trans_b, gemm, true);
}
Tensor matmul_naive(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  return batched(a, b, trans_a, trans_b, gemm_naive, false);
}

}  // namespace atn
