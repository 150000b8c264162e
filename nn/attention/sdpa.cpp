#include "nn/attention/sdpa.h"

#include <cmath>
#include <limits>
#include <vector>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "tensor/elementwise.h"
#include "tensor/matmul.h"
#include "tensor/thread_pool.h"
#include "tensor/transpose_kernel.h"

namespace atn {

namespace {
constexpr real kNegInf = -std::numeric_limits<real>::infinity();
constexpr real kInf = std::numeric_limits<real>::infinity();

// max and Σ of x[0..n) in eight interleaved partial results, so the loops vectorize (a single
// running value is a chain the compiler must keep in order). The order is fixed: reproducible.
real row_max(const real* x, int64_t n) {
  real part[8] = {kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf};
  int64_t c = 0;
  for (; c + 8 <= n; c += 8)
    for (int u = 0; u < 8; ++u) part[u] = part[u] > x[c + u] ? part[u] : x[c + u];
  real m = kNegInf;
  for (; c < n; ++c) m = std::max(m, x[c]);
  for (int u = 0; u < 8; ++u) m = std::max(m, part[u]);
  return m;
}

real row_sum(const real* x, int64_t n) {
  real part[8] = {};
  int64_t c = 0;
  for (; c + 8 <= n; c += 8)
    for (int u = 0; u < 8; ++u) part[u] += x[c + u];
  real sum = 0;
  for (; c < n; ++c) sum += x[c];
  for (int u = 0; u < 8; ++u) sum += part[u];
  return sum;
}
}  // namespace

namespace detail {

SdpaProblem make_sdpa_problem(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, bool causal,
                              std::optional<real> scale, const char* op) {
  const char* names[3] = {"q", "k", "v"};
  const Tensor* xs[3] = {&q, &k, &v};
  for (int t = 0; t < 3; ++t)
    if (xs[t]->dim() != 4) fail(op, ": ", names[t], " must have 4 axes [B, H, T, d], got ", to_string(xs[t]->shape()));
  const Shape &sq = q.shape(), &sk = k.shape(), &sv = v.shape();
  if (sk[0] != sq[0] || sv[0] != sq[0] || sk[1] != sq[1] || sv[1] != sq[1])
    fail(op, ": q, k and v must share batch and heads [B, H, ., .], got q ", to_string(sq), ", k ", to_string(sk),
         ", v ", to_string(sv));
  if (sk[3] != sq[3]) fail(op, ": q and k head sizes differ: q ", to_string(sq), ", k ", to_string(sk));
  if (sv[2] != sk[2]) fail(op, ": k and v lengths differ: k ", to_string(sk), ", v ", to_string(sv));
  if (sq[3] == 0) fail(op, ": head size is 0 in q ", to_string(sq));

  SdpaProblem p;
  p.B = sq[0], p.H = sq[1], p.Tq = sq[2], p.Tk = sk[2], p.d = sq[3], p.dv = sv[3];
  p.q_at = contiguous_heads(p.H, p.Tq, p.d);
  p.k_at = contiguous_heads(p.H, p.Tk, p.d);
  p.v_at = contiguous_heads(p.H, p.Tk, p.dv);
  p.out_at = contiguous_heads(p.H, p.Tq, p.dv);
  set_mask_and_scale(p, mask, causal, scale, op);
  return p;
}

void set_mask_and_scale(SdpaProblem& p, const Tensor& mask, bool causal, std::optional<real> scale, const char* op) {
  p.scale = scale ? *scale : real(1.0 / std::sqrt(double(p.d)));
  p.causal = causal;
  if (mask.defined()) {
    const Shape target = {p.B, p.H, p.Tq, p.Tk};
    const Shape& sm = mask.shape();
    const int64_t lead = 4 - mask.dim();  // the mask's axes line up with the LAST axes of target
    bool ok = lead >= 0;
    const Shape strides = contiguous_strides(sm);
    for (int64_t a = 0; ok && a < 4; ++a) {
      if (a < lead) continue;  // a missing leading axis broadcasts: stride 0
      const int64_t size = sm[size_t(a - lead)];
      if (size == target[size_t(a)])
        p.mask_stride[a] = strides[size_t(a - lead)];
      else if (size != 1)
        ok = false;
    }
    if (!ok) fail(op, ": mask ", to_string(sm), " does not broadcast to [B, H, Tq, Tk] = ", to_string(target));
    p.mask = mask.data();
  }
}

// In eight partial sums, as row_sum (the backward's D_i = dO_i · O_i was a fifth of its own time as
// one running sum).
real row_dot(const real* a, const real* b, int64_t n) {
  real part[8] = {};
  int64_t c = 0;
  for (; c + 8 <= n; c += 8)
    for (int u = 0; u < 8; ++u) part[u] += a[c + u] * b[c + u];
  real sum = 0;
  for (; c < n; ++c) sum += a[c] * b[c];
  for (int u = 0; u < 8; ++u) sum += part[u];
  return sum;
}

real* reserve_floats(std::vector<real>& buf, int64_t n) {
  if (buf.size() < size_t(n)) buf.resize(size_t(n));
  return buf.data();
}

void transpose_key_blocks(const SdpaProblem& p, const real* x, int64_t width, int64_t row_stride, real* out) {
  for (int64_t j0 = 0; j0 < p.Tk; j0 += p.block_k) {
    const int64_t cols = block_cols(p, j0);
    transpose_into(x + j0 * row_stride, cols, width, row_stride, out + j0 * width, cols);
  }
}

void sdpa_scores(const SdpaProblem& p, int64_t bh, const real* q_rows, int64_t i0, int64_t rows, const real* kt_block,
                 int64_t j0, real* s) {
  const int64_t cols = block_cols(p, j0);
  gemm(rows, cols, p.d, q_rows, false, kt_block, false, s, false, nullptr, {p.q_at.row, 0, 0});
  // The block needs per-pair causal tests only if it reaches past the first row's last key.
  const bool needs_causal = p.causal && j0 + cols - 1 > p.last_key(i0);
  const real* mask_head = p.mask ? p.mask + (bh / p.H) * p.mask_stride[0] + (bh % p.H) * p.mask_stride[1] : nullptr;
  for (int64_t r = 0; r < rows; ++r) {
    real* row = s + r * cols;
    for (int64_t c = 0; c < cols; ++c) row[c] *= p.scale;
    if (needs_causal)
      for (int64_t c = std::max<int64_t>(0, p.last_key(i0 + r) + 1 - j0); c < cols; ++c) row[c] = kNegInf;
    if (mask_head) {
      const real* m = mask_head + (i0 + r) * p.mask_stride[2] + j0 * p.mask_stride[3];
      for (int64_t c = 0; c < cols; ++c)
        if (m[c * p.mask_stride[3]] == 0) row[c] = kNegInf;
    }
  }
}

namespace {

// One thread's working memory for forward_head: the head's transposed keys, one block of scores,
// and per query row of a block the running max m, sum l and weighted values acc. Reused by every
// head that thread computes. (Queries and values are read where they are: gemm takes their row
// strides.)
struct ForwardScratch {
  std::vector<real> kt, s, m, l, acc;
};
thread_local ForwardScratch forward_scratch;

// One (batch, head): the online softmax over key blocks, one query block at a time.
//   m_r: the largest score of row r seen so far;  l_r = Σ exp(s_rj − m_r) over keys seen so far;
//   acc_r = Σ exp(s_rj − m_r) v_j.  When a new block raises the maximum to m', the old sums are
//   rescaled by exp(m_r − m'), so at the end acc_r / l_r is exactly softmax(s_r) · V.
// q_head, k_head, v_head and out_head point at the head's row 0 (rows p.*_at.row apart).
void forward_head(const SdpaProblem& p, int64_t bh, const real* q_head, const real* k_head, const real* v_head,
                  real* out_head, real* lse, real* weights) {
  const int64_t bq = p.block_q, bk = p.block_k;
  ForwardScratch& w = forward_scratch;
  real* kt = reserve_floats(w.kt, p.Tk * p.d);
  real* s = reserve_floats(w.s, bq * bk);
  real* m = reserve_floats(w.m, bq);
  real* l = reserve_floats(w.l, bq);
  real* acc = reserve_floats(w.acc, bq * p.dv);
  transpose_key_blocks(p, k_head, p.d, p.k_at.row, kt);
  for (int64_t i0 = 0; i0 < p.Tq; i0 += bq) {
    const int64_t rows = std::min(bq, p.Tq - i0), kend = p.key_end(i0, rows);
    const real* qi = q_head + i0 * p.q_at.row;
    std::fill(m, m + rows, kNegInf);
    std::fill(l, l + rows, real(0));
    std::fill(acc, acc + rows * p.dv, real(0));
    for (int64_t j0 = 0; j0 < kend; j0 += bk) {  // key blocks past kend are hidden from every row
      const int64_t cols = block_cols(p, j0);
      sdpa_scores(p, bh, qi, i0, rows, kt + j0 * p.d, j0, s);
      for (int64_t r = 0; r < rows; ++r) {
        real* row = s + r * cols;
        const int64_t n = weighted_cols(p, i0 + r, j0);  // past n: hidden keys, weight 0
        const real m_new = std::max(m[r], row_max(row, n));
        if (m_new == kNegInf) {  // nothing visible to this row yet: contributes nothing
          std::fill(row, row + cols, real(0));
          continue;
        }
        const real rescale = exp_approx(m[r] - m_new);  // exp(−inf) = 0 on the first visible block
        for (int64_t c = 0; c < n; ++c) row[c] = exp_approx(row[c] - m_new);
        std::fill(row + n, row + cols, real(0));
        l[r] = l[r] * rescale + row_sum(row, n);
        if (rescale != 1)
          for (int64_t c = 0; c < p.dv; ++c) acc[r * p.dv + c] *= rescale;
        m[r] = m_new;
      }
      gemm(rows, p.dv, cols, s, false, v_head + j0 * p.v_at.row, false, acc, true, nullptr,
           {0, p.v_at.row, 0});  // acc += P V_j
    }
    for (int64_t r = 0; r < rows; ++r) {
      const real lr = l[r];
      real* o = out_head + (i0 + r) * p.out_at.row;
      // l = 0 means the row saw no key at all: output 0 and lse = +inf (exp(s − lse) = 0).
      const real inv = lr > 0 ? 1 / lr : 0;
      for (int64_t c = 0; c < p.dv; ++c) o[c] = acc[r * p.dv + c] * inv;
      lse[i0 + r] = lr > 0 ? m[r] + std::log(lr) : kInf;
    }
    if (!weights) continue;
    // Requested weights: recompute each block's scores and normalize them with lse. Blocks past
    // kend stay 0 (the caller zero-fills weights).
    for (int64_t j0 = 0; j0 < kend; j0 += bk) {
      const int64_t cols = block_cols(p, j0);
      sdpa_scores(p, bh, qi, i0, rows, kt + j0 * p.d, j0, s);
      for (int64_t r = 0; r < rows; ++r) {
        real* wr = weights + (i0 + r) * p.Tk + j0;
        const real L = lse[i0 + r];
        for (int64_t c = 0; c < cols; ++c) wr[c] = exp_approx(s[r * cols + c] - L);
      }
    }
  }
}

}  // namespace

void sdpa_forward(const SdpaProblem& p, const real* q, const real* k, const real* v, real* out, real* lse,
                  real* weights) {
  // Each (batch, head) is computed start to finish by one thread, so the result does not depend
  // on the number of threads.
  parallel_for(p.B * p.H, [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; ++bh)
      forward_head(p, bh, q + p.head_offset(p.q_at, bh), k + p.head_offset(p.k_at, bh), v + p.head_offset(p.v_at, bh),
                   out + p.head_offset(p.out_at, bh), lse + bh * p.Tq, weights ? weights + bh * p.Tq * p.Tk : nullptr);
  });
}

}  // namespace detail

Var sdpa_composed(const Var& q, const Var& k, const Var& v, const Tensor& mask, bool causal, Var* weights_out) {
  const detail::SdpaProblem p =
      detail::make_sdpa_problem(q.value(), k.value(), v.value(), mask, causal, std::nullopt, "sdpa_composed");
  // scores = Q Kᵀ / √d: [B, H, Tq, Tk]
  Var scores = mul(matmul(q, k, false, true), p.scale);
  // blocked = 1 where attention is not allowed: mask == 0, or a key in the query's future.
  Tensor blocked;
  if (mask.defined()) blocked = eq(mask, Tensor::scalar(0));
  if (causal) {
    Tensor future({p.Tq, p.Tk});
    for (int64_t i = 0; i < p.Tq; ++i)
      for (int64_t j = std::max<int64_t>(0, p.last_key(i) + 1); j < p.Tk; ++j) future[i * p.Tk + j] = 1;
    blocked = blocked.defined() ? maximum(blocked, future) : future;
  }
  if (blocked.defined()) scores = masked_fill(scores, blocked, kNegInf);
  // softmax gives exp(−inf) = 0 to blocked keys, and all zeros to a row with nothing to see.
  Var weights = softmax(scores);
  if (weights_out) *weights_out = weights;
  return matmul(weights, v);
}

Var sdpa_fused(const Var& q, const Var& k, const Var& v, const SdpaOptions& options, Tensor* weights_out) {
  const detail::SdpaProblem p = detail::make_sdpa_problem(q.value(), k.value(), v.value(), options.mask, options.causal,
                                                          options.scale, "sdpa_fused");
  if (options.return_weights && !weights_out) fail("sdpa_fused: return_weights is set but weights_out is null");
  // sdpa_forward writes every element of out and lse (not of weights: see forward_head).
  Tensor out = Tensor::empty({p.B, p.H, p.Tq, p.dv}), lse = Tensor::empty({p.B, p.H, p.Tq});
  Tensor weights;
  if (options.return_weights) weights = Tensor({p.B, p.H, p.Tq, p.Tk});
  detail::sdpa_forward(p, q.value().data(), k.value().data(), v.value().data(), out.data(), lse.data(),
                       weights.defined() ? weights.data() : nullptr);
  if (weights_out && options.return_weights) *weights_out = weights;
  // Saved for backward: O and lse (O(T) per row), not the Tq×Tk weights. The mask Tensor is
  // captured so the storage p.mask points into stays alive.
  const Tensor mask = options.mask;
  return record("sdpa_fused", out, {q, k, v}, [q, k, v, out, lse, mask, p](const Tensor& g) {
    // sdpa_backward zeroes and then fills all three.
    Tensor dq = Tensor::empty(q.shape()), dk = Tensor::empty(k.shape()), dv = Tensor::empty(v.shape());
    detail::sdpa_backward(p, q.value().data(), k.value().data(), v.value().data(), out.data(), lse.data(), g.data(),
                          dq.data(), dk.data(), dv.data());
    q.accumulate_grad(std::move(dq));
    k.accumulate_grad(std::move(dk));
    v.accumulate_grad(std::move(dv));
  });
}

}  // namespace atn
