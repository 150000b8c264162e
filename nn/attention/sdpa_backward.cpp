// Backward of the fused attention (FlashAttention's recomputation, Dao et al. 2022, Alg. 4).
//
// With s = scale · Q Kᵀ, P = softmax(s) (rows) and O = P V, the chain rule gives
//   dV = Pᵀ dO,   dP = dO Vᵀ,   ds_ij = P_ij (dP_ij − D_i) with D_i = Σ_j P_ij dP_ij,
//   dQ = scale · dS K,   dK = scale · dSᵀ Q.
// D_i needs the whole row of P, but Σ_j P_ij dP_ij = Σ_j P_ij (dO_i · v_j) = dO_i · O_i, so it
// comes from the saved output alone. And P_ij = exp(s_ij − lse_i) rebuilds any block of weights
// from the saved log-sum-exp. So we loop over the same blocks as the forward, recompute s, P,
// and accumulate the four products block by block; no Tq×Tk matrix is ever stored.
#include <algorithm>
#include <cmath>
#include <vector>

#include "nn/attention/sdpa.h"
#include "tensor/matmul.h"
#include "tensor/thread_pool.h"

namespace atn::detail {

namespace {

void backward_head(const SdpaProblem& p, int64_t bh, const real* q, const real* k, const real* v, const real* out,
                   const real* lse, const real* dout, real* dq, real* dk, real* dv) {
  const int64_t bq = p.block_q, bk = p.block_k;
  std::vector<real> kt(static_cast<size_t>(p.Tk * p.d)), vt(static_cast<size_t>(p.Tk * p.dv));
  std::vector<real> s(static_cast<size_t>(bq * bk)), ds(static_cast<size_t>(bq * bk)), D(static_cast<size_t>(p.Tq));
  transpose_key_blocks(p, k, p.d, kt.data());
  transpose_key_blocks(p, v, p.dv, vt.data());
  for (int64_t i = 0; i < p.Tq; ++i) {  // D_i = dO_i · O_i
    real sum = 0;
    for (int64_t c = 0; c < p.dv; ++c) sum += dout[i * p.dv + c] * out[i * p.dv + c];
    D[size_t(i)] = sum;
  }
  std::fill(dq, dq + p.Tq * p.d, real(0));
  std::fill(dk, dk + p.Tk * p.d, real(0));
  std::fill(dv, dv + p.Tk * p.dv, real(0));
  for (int64_t i0 = 0; i0 < p.Tq; i0 += bq) {
    const int64_t rows = std::min(bq, p.Tq - i0), kend = p.key_end(i0, rows);
    const real* qi = q + i0 * p.d;
    const real* doi = dout + i0 * p.dv;
    for (int64_t j0 = 0; j0 < kend; j0 += bk) {  // the forward's blocks, the hidden ones skipped again
      const int64_t cols = block_cols(p, j0);
      // P = exp(s − lse): blocked pairs have s = −inf and rows that see nothing lse = +inf, both give 0.
      sdpa_scores(p, bh, qi, i0, rows, kt.data() + j0 * p.d, j0, s.data());
      for (int64_t r = 0; r < rows; ++r) {
        const real L = lse[i0 + r];
        real* row = s.data() + r * cols;
        for (int64_t c = 0; c < cols; ++c) row[c] = exp_approx(row[c] - L);
      }
      gemm(cols, p.dv, rows, s.data(), true, doi, false, dv + j0 * p.dv, true);            // dV_j += Pᵀ dO_i
      gemm(rows, cols, p.dv, doi, false, vt.data() + j0 * p.dv, false, ds.data(), false);  // dP = dO_i V_jᵀ
      for (int64_t r = 0; r < rows; ++r) {  // dS = scale · P ⊙ (dP − D), written over dP
        const real Di = D[size_t(i0 + r)];
        const real* pr = s.data() + r * cols;
        real* dr = ds.data() + r * cols;
        for (int64_t c = 0; c < cols; ++c) dr[c] = p.scale * pr[c] * (dr[c] - Di);
      }
      gemm(rows, p.d, cols, ds.data(), false, k + j0 * p.d, false, dq + i0 * p.d, true);  // dQ_i += dS K_j
      gemm(cols, p.d, rows, ds.data(), true, qi, false, dk + j0 * p.d, true);             // dK_j += dSᵀ Q_i
    }
  }
}

}  // namespace

void sdpa_backward(const SdpaProblem& p, const real* q, const real* k, const real* v, const real* out, const real* lse,
                   const real* dout, real* dq, real* dk, real* dv) {
  // One thread per (batch, head), as in the forward: dK and dV of a head receive contributions
  // from every query block, always in the same order, so any thread count gives the same bits.
  parallel_for(p.B * p.H, [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; ++bh)
      backward_head(p, bh, q + bh * p.Tq * p.d, k + bh * p.Tk * p.d, v + bh * p.Tk * p.dv, out + bh * p.Tq * p.dv,
                    lse + bh * p.Tq, dout + bh * p.Tq * p.dv, dq + bh * p.Tq * p.d, dk + bh * p.Tk * p.d,
                    dv + bh * p.Tk * p.dv);
  });
}

}  // namespace atn::detail
