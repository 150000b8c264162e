#include "nn/attention/sdpa_heads.h"

namespace atn {

namespace {

using detail::heads_in_rows;
using detail::SdpaProblem;

// The forward both ops share, once the problem says where every head lies: the merged output
// [B, Tq, H·dv], the log-sum-exp per query row, and the weights if they were asked for.
struct Forward {
  Tensor out, lse, weights;
};

Forward run_forward(const SdpaProblem& p, const SdpaOptions& options, const char* op, const real* q, const real* k,
                    const real* v, Tensor* weights_out) {
  if (options.return_weights && !weights_out) fail(op, ": return_weights is set but weights_out is null");
  // sdpa_forward writes every element of out (each head its own columns) and of lse.
  Forward f{Tensor::empty({p.B, p.Tq, p.H * p.dv}), Tensor::empty({p.B, p.H, p.Tq}), Tensor()};
  if (options.return_weights) f.weights = Tensor({p.B, p.H, p.Tq, p.Tk});  // zeros: skipped blocks stay 0
  detail::sdpa_forward(p, q, k, v, f.out.data(), f.lse.data(), f.weights.defined() ? f.weights.data() : nullptr);
  if (weights_out && options.return_weights) *weights_out = f.weights;
  return f;
}

void check_heads(int64_t n_heads, const char* op) {
  if (n_heads < 1) fail(op, ": n_heads must be >= 1, got ", n_heads);
}

}  // namespace

Var sdpa_fused_heads(const Var& q, const Var& k, const Var& v, int64_t n_heads, const SdpaOptions& options,
                     Tensor* weights_out) {
  const char* op = "sdpa_fused_heads";
  check_heads(n_heads, op);
  const char* names[3] = {"q", "k", "v"};
  const Var* xs[3] = {&q, &k, &v};
  for (int t = 0; t < 3; ++t) {
    if (xs[t]->dim() != 3) fail(op, ": ", names[t], " must have 3 axes [B, T, H·d], got ", to_string(xs[t]->shape()));
    if (xs[t]->size(2) == 0 || xs[t]->size(2) % n_heads != 0)
      fail(op, ": the last axis of ", names[t], " ", to_string(xs[t]->shape()), " does not hold n_heads=", n_heads,
           " heads of size >= 1");
  }
  if (k.size(0) != q.size(0) || v.size(0) != q.size(0))
    fail(op, ": q, k and v must share the batch, got q ", to_string(q.shape()), ", k ", to_string(k.shape()), ", v ",
         to_string(v.shape()));
  if (k.size(2) != q.size(2))
    fail(op, ": q and k widths differ: q ", to_string(q.shape()), ", k ", to_string(k.shape()));
  if (v.size(1) != k.size(1))
    fail(op, ": k and v lengths differ: k ", to_string(k.shape()), ", v ", to_string(v.shape()));

  SdpaProblem p;
  p.B = q.size(0), p.H = n_heads, p.Tq = q.size(1), p.Tk = k.size(1);
  p.d = q.size(2) / n_heads, p.dv = v.size(2) / n_heads;
  p.q_at = heads_in_rows(p.Tq, p.d, q.size(2));
  p.k_at = heads_in_rows(p.Tk, p.d, k.size(2));
  p.v_at = heads_in_rows(p.Tk, p.dv, v.size(2));
  p.out_at = heads_in_rows(p.Tq, p.dv, p.H * p.dv);
  detail::set_mask_and_scale(p, options.mask, options.causal, options.scale, op);

  const Forward f = run_forward(p, options, op, q.value().data(), k.value().data(), v.value().data(), weights_out);
  // As sdpa_fused: O and lse are saved, the mask is captured so that p.mask stays valid.
  const Tensor out = f.out, lse = f.lse, mask = options.mask;
  return record(op, out, {q, k, v}, [q, k, v, out, lse, mask, p](const Tensor& g) {
    // sdpa_backward writes every element of each (every column belongs to one head).
    Tensor dq = Tensor::empty(q.shape()), dk = Tensor::empty(k.shape()), dv = Tensor::empty(v.shape());
    detail::sdpa_backward(p, q.value().data(), k.value().data(), v.value().data(), out.data(), lse.data(), g.data(),
                          dq.data(), dk.data(), dv.data());
    q.accumulate_grad(std::move(dq));
    k.accumulate_grad(std::move(dk));
    v.accumulate_grad(std::move(dv));
  });
}

Var sdpa_fused_qkv(const Var& qkv, int64_t n_heads, const SdpaOptions& options, Tensor* weights_out) {
  const char* op = "sdpa_fused_qkv";
  check_heads(n_heads, op);
  if (qkv.dim() != 3 || qkv.size(2) == 0 || qkv.size(2) % (3 * n_heads) != 0)
    fail(op, ": qkv ", to_string(qkv.shape()), " is not [B, T, 3·H·d] with H = n_heads = ", n_heads, " and d >= 1");
  const int64_t width = qkv.size(2), d_model = width / 3;  // q, k, v: d_model columns each

  SdpaProblem p;
  p.B = qkv.size(0), p.H = n_heads, p.Tq = qkv.size(1), p.Tk = qkv.size(1);
  p.d = p.dv = d_model / n_heads;
  p.q_at = p.k_at = p.v_at = heads_in_rows(p.Tq, p.d, width);
  p.out_at = heads_in_rows(p.Tq, p.d, d_model);
  detail::set_mask_and_scale(p, options.mask, options.causal, options.scale, op);

  const real* base = qkv.value().data();
  const Forward f = run_forward(p, options, op, base, base + d_model, base + 2 * d_model, weights_out);
  const Tensor out = f.out, lse = f.lse, mask = options.mask;
  return record(op, out, {qkv}, [qkv, out, lse, mask, p, d_model](const Tensor& g) {
    // One gradient for the three: its q, k and v columns are written by sdpa_backward, all of them.
    Tensor dqkv = Tensor::empty(qkv.shape());
    const real* x = qkv.value().data();
    real* dx = dqkv.data();
    detail::sdpa_backward(p, x, x + d_model, x + 2 * d_model, out.data(), lse.data(), g.data(), dx, dx + d_model,
                          dx + 2 * d_model);
    qkv.accumulate_grad(std::move(dqkv));
  });
}

}  // namespace atn
