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

// One thread's working memory for backward_head, reused by every head it computes: its transposed
// keys and values, a block of weights and one of their gradients, and D. The head's q, k, v, dout
// and its gradients dq, dk, dv are read and written where they are (gemm takes their row strides).
struct BackwardScratch {
  std::vector<real> kt, vt, s, ds, D;
};
thread_local BackwardScratch backward_scratch;

// rows × width zeros into rows `row_stride` apart (one head's columns of a gradient).
void zero_rows(real* x, int64_t rows, int64_t width, int64_t row_stride) {
  for (int64_t r = 0; r < rows; ++r) std::fill_n(x + r * row_stride, width, real(0));
}

// Pointers are to the head's row 0 in each operand (rows p.*_at.row apart).
void backward_head(const SdpaProblem& p, int64_t bh, const real* q_head, const real* k_head, const real* v_head,
                   const real* out_head, const real* lse, const real* dout_head, real* dq_head, real* dk_head,
                   real* dv_head) {
  const int64_t bq = p.block_q, bk = p.block_k;
  const int64_t q_row = p.q_at.row, k_row = p.k_at.row, v_row = p.v_at.row, out_row = p.out_at.row;
  BackwardScratch& w = backward_scratch;
  real* kt = reserve_floats(w.kt, p.Tk * p.d);
  real* vt = reserve_floats(w.vt, p.Tk * p.dv);
  real* s = reserve_floats(w.s, bq * bk);
  real* ds = reserve_floats(w.ds, bq * bk);
  real* D = reserve_floats(w.D, p.Tq);
  transpose_key_blocks(p, k_head, p.d, k_row, kt);
  transpose_key_blocks(p, v_head, p.dv, v_row, vt);
  // D_i = dO_i · O_i.
  for (int64_t i = 0; i < p.Tq; ++i) D[i] = row_dot(dout_head + i * out_row, out_head + i * out_row, p.dv);
  // dq, dk, dv: the blocks below add into them.
  zero_rows(dq_head, p.Tq, p.d, q_row);
  zero_rows(dk_head, p.Tk, p.d, k_row);
  zero_rows(dv_head, p.Tk, p.dv, v_row);
  for (int64_t i0 = 0; i0 < p.Tq; i0 += bq) {
    const int64_t rows = std::min(bq, p.Tq - i0), kend = p.key_end(i0, rows);
    const real* qi = q_head + i0 * q_row;
    const real* doi = dout_head + i0 * out_row;
    for (int64_t j0 = 0; j0 < kend; j0 += bk) {  // the forward's blocks, the hidden ones skipped again
      const int64_t cols = block_cols(p, j0);
      // P = exp(s − lse): blocked pairs have s = −inf and rows that see nothing lse = +inf, both give 0.
      sdpa_scores(p, bh, qi, i0, rows, kt + j0 * p.d, j0, s);
      for (int64_t r = 0; r < rows; ++r) {
        const real L = lse[i0 + r];
        real* row = s + r * cols;
        const int64_t n = weighted_cols(p, i0 + r, j0);  // past n: hidden keys, weight 0
        for (int64_t c = 0; c < n; ++c) row[c] = exp_approx(row[c] - L);
        std::fill(row + n, row + cols, real(0));
      }
      // dV_j += Pᵀ dO_i
      gemm(cols, p.dv, rows, s, true, doi, false, dv_head + j0 * v_row, true, nullptr, {0, out_row, v_row});
      // dP = dO_i V_jᵀ
      gemm(rows, cols, p.dv, doi, false, vt + j0 * p.dv, false, ds, false, nullptr, {out_row, 0, 0});
      for (int64_t r = 0; r < rows; ++r) {  // dS = scale · P ⊙ (dP − D), written over dP
        const real Di = D[i0 + r];
        const real* pr = s + r * cols;
        real* dr = ds + r * cols;
        for (int64_t c = 0; c < cols; ++c) dr[c] = p.scale * pr[c] * (dr[c] - Di);
      }
      // dQ_i += dS K_j
      gemm(rows, p.d, cols, ds, false, k_head + j0 * k_row, false, dq_head + i0 * q_row, true, nullptr,
           {0, k_row, q_row});
      // dK_j += dSᵀ Q_i
      gemm(cols, p.d, rows, ds, true, qi, false, dk_head + j0 * k_row, true, nullptr, {0, q_row, k_row});
    }
  }
}

}  // namespace

void sdpa_backward(const SdpaProblem& p, const real* q, const real* k, const real* v, const real* out, const real* lse,
                   const real* dout, real* dq, real* dk, real* dv) {
  // One thread per (batch, head), as in the forward: dK and dV of a head receive contributions
  // from every query block, always in the same order, so any thread count gives the same bits.
  parallel_for(p.B * p.H, [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; ++bh) {
      const int64_t q_off = p.head_offset(p.q_at, bh), k_off = p.head_offset(p.k_at, bh),
                    v_off = p.head_offset(p.v_at, bh), out_off = p.head_offset(p.out_at, bh);
      backward_head(p, bh, q + q_off, k + k_off, v + v_off, out + out_off, lse + bh * p.Tq, dout + out_off, dq + q_off,
                    dk + k_off, dv + v_off);
    }
  });
}

}  // namespace atn::detail
