#include "nn/attention/self_attention.h"

#include <cmath>

#include "autograd/ops_basic.h"

namespace atn {

namespace {
// 0 means "same as d_model"; other sizes must be positive (checked here so the error names us).
int64_t or_default(int64_t value, int64_t d_model) {
  if (d_model < 1 || value < 0)
    fail("SelfAttention: sizes must be positive, got d_model=", d_model, " and ", value, " for d_k or d_v");
  return value == 0 ? d_model : value;
}
}  // namespace

SelfAttention::SelfAttention(int64_t d, Rng& rng, int64_t dk, int64_t dv)
    : d_model(d),
      d_k(or_default(dk, d)),
      d_v(or_default(dv, d)),
      wq(d, d_k, rng, false),
      wk(d, d_k, rng, false),
      wv(d, d_v, rng, false) {
  register_module("wq", wq);
  register_module("wk", wk);
  register_module("wv", wv);
}

std::string SelfAttention::type_name() const {
  return "SelfAttention(d=" + std::to_string(d_model) + ", d_k=" + std::to_string(d_k) +
         ", d_v=" + std::to_string(d_v) + ")";
}

AttentionResult SelfAttention::forward(const Var& x, const Tensor& mask) {
  if ((x.dim() != 2 && x.dim() != 3) || x.size(-1) != d_model)
    fail("SelfAttention: input ", to_string(x.shape()), " is not [T, d] or [B, T, d] with d=", d_model);
  Var q = wq(x), k = wk(x), v = wv(x);
  // Each score is a sum of d_k products; dividing by √d_k keeps its spread independent of d_k.
  Var scores = matmul(q, k, false, true) / std::sqrt(real(d_k));  // [.., T, T]
  return attend(scores, v, mask, "SelfAttention");
}

}  // namespace atn
