#include "nn/attention/local_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "tensor/thread_pool.h"

namespace atn {

namespace {

struct LocalProblem {
  int64_t B, H, T, d, dv, w;
  real scale;
};

real dot(const real* a, const real* b, int64_t n) {
  real s = 0;
  for (int64_t c = 0; c < n; ++c) s += a[c] * b[c];
  return s;
}

// Row i's window starts at key lo = max(0, i−w+1) and holds n = i − lo + 1 keys; in the band
// they sit in the last n columns (key j is column j − (i − w + 1)).
struct Window {
  int64_t lo, n, first_col;
};
Window window_of(int64_t i, int64_t w) {
  const int64_t lo = std::max<int64_t>(0, i - w + 1), n = i - lo + 1;
  return {lo, n, w - n};
}

// One (batch, head): for each query, scores over its window, a softmax, and the weighted sum of
// the window's values. band [T, w] receives the weights.
void forward_head(const LocalProblem& p, const real* q, const real* k, const real* v, real* out, real* band) {
  for (int64_t i = 0; i < p.T; ++i) {
    const Window win = window_of(i, p.w);
    real* wts = band + i * p.w + win.first_col;
    const real* qi = q + i * p.d;
    real m = -std::numeric_limits<real>::infinity();
    for (int64_t c = 0; c < win.n; ++c) {
      wts[c] = p.scale * dot(qi, k + (win.lo + c) * p.d, p.d);
      m = std::max(m, wts[c]);
    }
    // Softmax over the window. The token itself is always in it, so the row is never empty.
    real sum = 0;
    for (int64_t c = 0; c < win.n; ++c) {
      wts[c] = std::exp(wts[c] - m);
      sum += wts[c];
    }
    const real inv = 1 / sum;
    real* o = out + i * p.dv;
    std::fill(o, o + p.dv, real(0));
    for (int64_t c = 0; c < win.n; ++c) {
      wts[c] *= inv;
      const real* vj = v + (win.lo + c) * p.dv;
      for (int64_t e = 0; e < p.dv; ++e) o[e] += wts[c] * vj[e];
    }
  }
}

// The dense backward restricted to the band (P = weights, s = scores):
//   dv_j += P_ij dO_i,  dP_ij = dO_i · v_j,  ds_ij = P_ij (dP_ij − Σ_j' P_ij' dP_ij'),
//   dq_i += scale · ds_ij k_j,  dk_j += scale · ds_ij q_i.
void backward_head(const LocalProblem& p, const real* q, const real* k, const real* v, const real* band,
                   const real* dout, real* dq, real* dk, real* dv) {
  std::fill(dq, dq + p.T * p.d, real(0));
  std::fill(dk, dk + p.T * p.d, real(0));
  std::fill(dv, dv + p.T * p.dv, real(0));
  std::vector<real> dp(size_t(p.w));
  for (int64_t i = 0; i < p.T; ++i) {
    const Window win = window_of(i, p.w);
    const real* wts = band + i * p.w + win.first_col;
    const real* doi = dout + i * p.dv;
    real row_dot = 0;
    for (int64_t c = 0; c < win.n; ++c) {
      dp[size_t(c)] = dot(doi, v + (win.lo + c) * p.dv, p.dv);
      row_dot += wts[c] * dp[size_t(c)];
    }
    const real* qi = q + i * p.d;
    real* dqi = dq + i * p.d;
    for (int64_t c = 0; c < win.n; ++c) {
      const int64_t j = win.lo + c;
      const real ds = p.scale * wts[c] * (dp[size_t(c)] - row_dot);
      const real* kj = k + j * p.d;
      real* dkj = dk + j * p.d;
      real* dvj = dv + j * p.dv;
      for (int64_t e = 0; e < p.d; ++e) {
        dqi[e] += ds * kj[e];
        dkj[e] += ds * qi[e];
      }
      for (int64_t e = 0; e < p.dv; ++e) dvj[e] += wts[c] * doi[e];
    }
  }
}

LocalProblem check(const Tensor& q, const Tensor& k, const Tensor& v, int64_t window) {
  const char* names[3] = {"q", "k", "v"};
  const Tensor* xs[3] = {&q, &k, &v};
  for (int t = 0; t < 3; ++t)
    if (xs[t]->dim() != 4)
      fail("local_attention: ", names[t], " must have 4 axes [B, H, T, d], got ", to_string(xs[t]->shape()));
  const Shape &sq = q.shape(), &sk = k.shape(), &sv = v.shape();
  if (sk != sq || sv[0] != sq[0] || sv[1] != sq[1] || sv[2] != sq[2])
    fail("local_attention: q and k must have the same shape and v the same [B, H, T], got q ", to_string(sq), ", k ",
         to_string(sk), ", v ", to_string(sv));
  if (sq[3] == 0) fail("local_attention: head size is 0 in q ", to_string(sq));
  if (window < 1) fail("local_attention: window must be at least 1 (it counts the token itself), got ", window);
  return {sq[0], sq[1], sq[2], sq[3], sv[3], window, real(1.0 / std::sqrt(double(sq[3])))};
}

}  // namespace

Var local_attention(const Var& q, const Var& k, const Var& v, int64_t window, Tensor* weights_out) {
  const LocalProblem p = check(q.value(), k.value(), v.value(), window);
  Tensor out({p.B, p.H, p.T, p.dv}), band({p.B, p.H, p.T, p.w});  // band starts at 0 (j < 0 stays 0)
  {
    const real *pq = q.value().data(), *pk = k.value().data(), *pv = v.value().data();
    real *po = out.data(), *pb = band.data();
    // Each (batch, head) by one thread: results do not depend on the thread count.
    parallel_for(p.B * p.H, [&](int64_t begin, int64_t end) {
      for (int64_t bh = begin; bh < end; ++bh)
        forward_head(p, pq + bh * p.T * p.d, pk + bh * p.T * p.d, pv + bh * p.T * p.dv, po + bh * p.T * p.dv,
                     pb + bh * p.T * p.w);
    });
  }
  if (weights_out) *weights_out = band.clone();
  // Saved for backward: the band of weights, T·k numbers per head (never T×T).
  return record("local_attention", out, {q, k, v}, [q, k, v, band, p](const Tensor& g) {
    Tensor dq(q.shape()), dk(k.shape()), dv(v.shape());
    const real *pq = q.value().data(), *pk = k.value().data(), *pv = v.value().data(), *pb = band.data(),
               *pg = g.data();
    real *pdq = dq.data(), *pdk = dk.data(), *pdv = dv.data();
    parallel_for(p.B * p.H, [&](int64_t begin, int64_t end) {
      for (int64_t bh = begin; bh < end; ++bh)
        backward_head(p, pq + bh * p.T * p.d, pk + bh * p.T * p.d, pv + bh * p.T * p.dv, pb + bh * p.T * p.w,
                      pg + bh * p.T * p.dv, pdq + bh * p.T * p.d, pdk + bh * p.T * p.d, pdv + bh * p.T * p.dv);
    });
    q.accumulate_grad(dq);
    k.accumulate_grad(dk);
    v.accumulate_grad(dv);
  });
}

Tensor band_to_dense(const Tensor& band) {
  if (band.dim() < 2) fail("band_to_dense: need a band [..., T, k], got ", to_string(band.shape()));
  const int64_t T = band.size(-2), w = band.size(-1);
  Shape shape = band.shape();
  shape.back() = T;
  Tensor dense(shape);
  const int64_t mats = T * w == 0 ? 0 : band.numel() / (T * w);
  for (int64_t b = 0; b < mats; ++b)
    for (int64_t i = 0; i < T; ++i)
      for (int64_t c = 0; c < w; ++c) {
        const int64_t j = i - w + 1 + c;
        if (j >= 0) dense[(b * T + i) * T + j] = band[(b * T + i) * w + c];
      }
  return dense;
}

}  // namespace atn
