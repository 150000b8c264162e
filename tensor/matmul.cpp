#include "tensor/matmul.h"

#include "tensor/elementwise.h"

namespace atn {

void gemm_naive(int64_t M, int64_t N, int64_t K, const real* A, bool trans_a, const real* B, bool trans_b, real* C,
                bool accumulate) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      real s = 0;
      for (int64_t k = 0; k < K; ++k) {
        real a = trans_a ? A[k * M + i] : A[i * K + k];
        real b = trans_b ? B[j * K + k] : B[k * N + j];
        s += a * b;
      }
      C[i * N + j] = accumulate ? C[i * N + j] + s : s;
    }
}

// Placeholder until the blocked kernel lands: same loops, in i-k-j order.
void gemm(int64_t M, int64_t N, int64_t K, const real* A, bool trans_a, const real* B, bool trans_b, real* C,
          bool accumulate) {
  gemm_naive(M, N, K, A, trans_a, B, trans_b, C, accumulate);
}

namespace {
using Gemm = void (*)(int64_t, int64_t, int64_t, const real*, bool, const real*, bool, real*, bool);

Tensor batched(const Tensor& a, const Tensor& b, bool ta, bool tb, Gemm kernel) {
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
  Tensor out(out_shape);
  const int64_t batches = numel(plan.out);
  const int64_t mat_a = M * Ka, mat_b = Kb * N, mat_c = M * N;
  // Walk the broadcast batch index; plan strides count batch elements, so scale by matrix size.
  std::vector<int64_t> idx(plan.out.size(), 0);
  for (int64_t t = 0; t < batches; ++t) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < idx.size(); ++d) {
      ia += idx[d] * plan.stride_a[d];
      ib += idx[d] * plan.stride_b[d];
    }
    kernel(M, N, Ka, a.data() + ia * mat_a, ta, b.data() + ib * mat_b, tb, out.data() + t * mat_c, false);
    for (size_t d = idx.size(); d-- > 0;) {
      if (++idx[d] < plan.out[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) { return batched(a, b, trans_a, trans_b, gemm); }
Tensor matmul_naive(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  return batched(a, b, trans_a, trans_b, gemm_naive);
}

}  // namespace atn
