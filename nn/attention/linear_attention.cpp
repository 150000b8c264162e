#include "nn/attention/linear_attention.h"

#include <cmath>
#include <vector>

#include "autograd/ops_basic.h"
#include "tensor/elementwise.h"
#include "tensor/thread_pool.h"

namespace atn {

Var elu_feature_map(const Var& x) {
  // expm1 would be the careful elu, but φ adds the 1 back: for x ≤ 0, elu(x) + 1 = eˣ exactly.
  Tensor y = map(x.value(), [](real t) { return t > 0 ? t + 1 : std::exp(t); });
  return record("elu_feature_map", y, {x}, [x, y](const Tensor& g) {
    const Tensor slope = zip(
        x.value(), y, [](real t, real yy) { return t > 0 ? real(1) : yy; }, "elu_feature_map");
    x.accumulate_grad(mul(g, slope));
  });
}

namespace {

struct LinearShape {
  int64_t B, H, Tq, Tk, d, dv;
};

LinearShape check(const Tensor& q, const Tensor& k, const Tensor& v, const char* op) {
  const char* names[3] = {"q", "k", "v"};
  const Tensor* xs[3] = {&q, &k, &v};
  for (int t = 0; t < 3; ++t)
    if (xs[t]->dim() != 4) fail(op, ": ", names[t], " must have 4 axes [B, H, T, d], got ", to_string(xs[t]->shape()));
  const Shape &sq = q.shape(), &sk = k.shape(), &sv = v.shape();
  if (sk[0] != sq[0] || sv[0] != sq[0] || sk[1] != sq[1] || sv[1] != sq[1] || sk[3] != sq[3] || sv[2] != sk[2])
    fail(op, ": expected q [B, H, Tq, d], k [B, H, Tk, d], v [B, H, Tk, dv], got q ", to_string(sq), ", k ",
         to_string(sk), ", v ", to_string(sv));
  return {sq[0], sq[1], sq[2], sk[2], sq[3], sv[3]};
}

// out_i = S_iᵀ fq_i / (fq_i · z_i) with S_i = Σ_{j≤i} fk_j v_jᵀ [d, dv] and z_i = Σ_{j≤i} fk_j.
void prefix_forward_head(const LinearShape& p, const real* fq, const real* fk, const real* v, real* out, real* den) {
  std::vector<real> S(size_t(p.d * p.dv), 0), z(size_t(p.d), 0);
  for (int64_t i = 0; i < p.Tq; ++i) {
    const real *fqi = fq + i * p.d, *fki = fk + i * p.d, *vi = v + i * p.dv;
    for (int64_t a = 0; a < p.d; ++a) {
      z[size_t(a)] += fki[a];
      for (int64_t e = 0; e < p.dv; ++e) S[size_t(a * p.dv + e)] += fki[a] * vi[e];
    }
    real dn = 0;
    for (int64_t a = 0; a < p.d; ++a) dn += fqi[a] * z[size_t(a)];
    real* o = out + i * p.dv;
    std::fill(o, o + p.dv, real(0));
    for (int64_t a = 0; a < p.d; ++a)
      for (int64_t e = 0; e < p.dv; ++e) o[e] += fqi[a] * S[size_t(a * p.dv + e)];
    for (int64_t e = 0; e < p.dv; ++e) o[e] /= dn;
    den[i] = dn;
  }
}

// With num_i = S_iᵀ fq_i and den_i = fq_i · z_i, out = num / den gives
//   dnum_i = g_i / den_i,   dden_i = −(g_i · out_i) / den_i.
// fq_i enters only row i:                dfq_i = S_i dnum_i + z_i dden_i      (running sums, forward)
// fk_j, v_j enter every row i ≥ j:       with R_j = Σ_{i≥j} fq_i dnum_iᵀ and r_j = Σ_{i≥j} fq_i dden_i,
//                                        dfk_j = R_j v_j + r_j,  dv_j = R_jᵀ fk_j   (running sums, backward)
void prefix_backward_head(const LinearShape& p, const real* fq, const real* fk, const real* v, const real* out,
                          const real* den, const real* g, real* dfq, real* dfk, real* dv) {
  const int64_t T = p.Tq;
  std::vector<real> dden(static_cast<size_t>(T)), dnum(size_t(p.dv));
  for (int64_t i = 0; i < T; ++i) {
    real s = 0;
    for (int64_t e = 0; e < p.dv; ++e) s += g[i * p.dv + e] * out[i * p.dv + e];
    dden[size_t(i)] = -s / den[i];
  }
  std::vector<real> S(size_t(p.d * p.dv), 0), z(size_t(p.d), 0);
  for (int64_t i = 0; i < T; ++i) {
    const real *fki = fk + i * p.d, *vi = v + i * p.dv;
    for (int64_t a = 0; a < p.d; ++a) {
      z[size_t(a)] += fki[a];
      for (int64_t e = 0; e < p.dv; ++e) S[size_t(a * p.dv + e)] += fki[a] * vi[e];
    }
    for (int64_t e = 0; e < p.dv; ++e) dnum[size_t(e)] = g[i * p.dv + e] / den[i];
    for (int64_t a = 0; a < p.d; ++a) {
      real s = z[size_t(a)] * dden[size_t(i)];
      for (int64_t e = 0; e < p.dv; ++e) s += S[size_t(a * p.dv + e)] * dnum[size_t(e)];
      dfq[i * p.d + a] = s;
    }
  }
  std::vector<real>& R = S;  // reused: now Σ_{i≥j} fq_i dnum_iᵀ
  std::vector<real>& r = z;  // and Σ_{i≥j} fq_i dden_i
  std::fill(R.begin(), R.end(), real(0));
  std::fill(r.begin(), r.end(), real(0));
  for (int64_t j = T; j-- > 0;) {
    const real *fqj = fq + j * p.d, *fkj = fk + j * p.d, *vj = v + j * p.dv;
    for (int64_t e = 0; e < p.dv; ++e) dnum[size_t(e)] = g[j * p.dv + e] / den[j];
    for (int64_t a = 0; a < p.d; ++a) {
      r[size_t(a)] += fqj[a] * dden[size_t(j)];
      for (int64_t e = 0; e < p.dv; ++e) R[size_t(a * p.dv + e)] += fqj[a] * dnum[size_t(e)];
    }
    real* dvj = dv + j * p.dv;
    std::fill(dvj, dvj + p.dv, real(0));
    for (int64_t a = 0; a < p.d; ++a) {
      real s = r[size_t(a)];
      for (int64_t e = 0; e < p.dv; ++e) {
        s += R[size_t(a * p.dv + e)] * vj[e];
        dvj[e] += R[size_t(a * p.dv + e)] * fkj[a];
      }
      dfk[j * p.d + a] = s;
    }
  }
}

// Mask [T, T] with 1 where j ≤ i.
Tensor lower_triangle(int64_t T) {
  Tensor m({T, T});
  for (int64_t i = 0; i < T; ++i)
    for (int64_t j = 0; j <= i; ++j) m[i * T + j] = 1;
  return m;
}

}  // namespace

Var prefix_linear_attention(const Var& fq, const Var& fk, const Var& v) {
  const LinearShape p = check(fq.value(), fk.value(), v.value(), "prefix_linear_attention");
  if (p.Tq != p.Tk)
    fail("prefix_linear_attention: causal attention needs as many queries as keys, got fq ", to_string(fq.shape()),
         ", fk ", to_string(fk.shape()));
  const int64_t T = p.Tq;
  Tensor out({p.B, p.H, T, p.dv}), den({p.B, p.H, T});
  {
    const real *pq = fq.value().data(), *pk = fk.value().data(), *pv = v.value().data();
    real *po = out.data(), *pd = den.data();
    parallel_for(p.B * p.H, [&](int64_t begin, int64_t end) {  // one thread per (batch, head)
      for (int64_t bh = begin; bh < end; ++bh)
        prefix_forward_head(p, pq + bh * T * p.d, pk + bh * T * p.d, pv + bh * T * p.dv, po + bh * T * p.dv,
                            pd + bh * T);
    });
  }
  return record("prefix_linear_attention", out, {fq, fk, v}, [fq, fk, v, out, den, p, T](const Tensor& g) {
    Tensor dq(fq.shape()), dk(fk.shape()), dv(v.shape());
    const real *pq = fq.value().data(), *pk = fk.value().data(), *pv = v.value().data(), *po = out.data(),
               *pd = den.data(), *pg = g.data();
    real *pdq = dq.data(), *pdk = dk.data(), *pdv = dv.data();
    parallel_for(p.B * p.H, [&](int64_t begin, int64_t end) {
      for (int64_t bh = begin; bh < end; ++bh)
        prefix_backward_head(p, pq + bh * T * p.d, pk + bh * T * p.d, pv + bh * T * p.dv, po + bh * T * p.dv,
                             pd + bh * T, pg + bh * T * p.dv, pdq + bh * T * p.d, pdk + bh * T * p.d,
                             pdv + bh * T * p.dv);
    });
    fq.accumulate_grad(dq);
    fk.accumulate_grad(dk);
    v.accumulate_grad(dv);
  });
}

Var linear_attention(const Var& q, const Var& k, const Var& v, bool causal) {
  const LinearShape p = check(q.value(), k.value(), v.value(), "linear_attention");
  if (causal && p.Tq != p.Tk)
    fail("linear_attention: causal attention needs as many queries as keys, got q ", to_string(q.shape()), ", k ",
         to_string(k.shape()));
  const Var fq = elu_feature_map(q), fk = elu_feature_map(k);
  if (causal) return prefix_linear_attention(fq, fk, v);
  const Var kv = matmul(fk, v, true, false);  // Σ_j φ(k_j) v_jᵀ     [B, H, d, dv]
  const Var z = sum(fk, 2, true);             // Σ_j φ(k_j)          [B, H, 1, d]
  const Var num = matmul(fq, kv);             // φ(q_i)ᵀ Σ φ(k_j) v_jᵀ  [B, H, Tq, dv]
  const Var den = sum(fq * z, 3, true);       // φ(q_i) · Σ φ(k_j)   [B, H, Tq, 1]
  return num / den;
}

Var linear_attention_quadratic(const Var& q, const Var& k, const Var& v, bool causal) {
  const LinearShape p = check(q.value(), k.value(), v.value(), "linear_attention_quadratic");
  if (causal && p.Tq != p.Tk)
    fail("linear_attention_quadratic: causal attention needs as many queries as keys, got q ", to_string(q.shape()),
         ", k ", to_string(k.shape()));
  Var a = matmul(elu_feature_map(q), elu_feature_map(k), false, true);  // φ(q_i)·φ(k_j)  [B, H, Tq, Tk]
  if (causal) a = a * constant(lower_triangle(p.Tq));
  a = a / sum(a, 3, true);  // each row sums to 1, like softmax's
  return matmul(a, v);
}

}  // namespace atn
