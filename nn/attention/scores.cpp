#include "nn/attention/scores.h"

#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "nn/attention/masks.h"

namespace atn {

AttentionResult attend(const Var& scores, const Var& values, const Tensor& mask, const char* op) {
  if (scores.dim() < 2 || values.dim() < 2 || scores.size(-1) != values.size(-2))
    fail(op, ": scores ", to_string(scores.shape()), " must be [..., Lq, Lk] and values ", to_string(values.shape()),
         " [..., Lk, dv] with the same Lk");
  Var weights = softmax(apply_mask(scores, mask, op));
  return {matmul(weights, values), weights};
}

Var ScoreFunction::scores(const Var& query, const Var& keys) {
  const std::string name = type_name();
  if ((query.dim() != 2 && query.dim() != 3) || keys.dim() != 3 || query.size(0) != keys.size(0))
    fail(name, ": query ", to_string(query.shape()), " must be [B, dq] or [B, Tq, dq] and keys ",
         to_string(keys.shape()), " [B, T, dk] with the same B");
  const int64_t dq = query.size(-1), dk = keys.size(-1);
  if (d_query_ == 0 && dq != dk)
    fail(name, ": query ", to_string(query.shape()), " and keys ", to_string(keys.shape()),
         " need the same feature size for a dot product");
  if (d_query_ != 0 && (dq != d_query_ || dk != d_key_))
    fail(name, ": query ", to_string(query.shape()), " and keys ", to_string(keys.shape()), " must have dq=", d_query_,
         " and dk=", d_key_);
  // One code path for both query layouts: a single query is a sequence of length 1.
  if (query.dim() == 3) return scores3(query, keys);
  return squeeze(scores3(unsqueeze(query, 1), keys), 1);
}

AttentionResult ScoreFunction::forward(const Var& query, const Var& keys, const Var& values, const Tensor& mask) {
  Var s = scores(query, keys);
  if (values.dim() != 3 || values.size(0) != keys.size(0) || values.size(1) != keys.size(1))
    fail(type_name(), ": values ", to_string(values.shape()), " must be [B, T, dv] with the B and T of keys ",
         to_string(keys.shape()));
  Var weights = softmax(apply_mask(s, mask, type_name().c_str()));  // [B, T] or [B, Tq, T]
  // c = Σ_j α_j v_j, as a batched matmul [B, Tq, T]·[B, T, dv].
  if (query.dim() == 3) return {matmul(weights, values), weights};
  return {squeeze(matmul(unsqueeze(weights, 1), values), 1), weights};
}

Var DotScore::scores3(const Var& q, const Var& keys) { return matmul(q, keys, false, true); }

Var ScaledDotScore::scores3(const Var& q, const Var& keys) {
  return matmul(q, keys, false, true) / std::sqrt(real(keys.size(-1)));
}

GeneralScore::GeneralScore(int64_t d_query, int64_t d_key, Rng& rng)
    : ScoreFunction(d_query, d_key), w(d_key, d_query, rng, false) {
  register_module("w", w);
}

std::string GeneralScore::type_name() const {
  return "GeneralScore(" + std::to_string(w.out_features) + ", " + std::to_string(w.in_features) + ")";
}

// qᵀ W k = q · (W k): project the keys into the query space once, then dot products.
Var GeneralScore::scores3(const Var& q, const Var& keys) { return matmul(q, w(keys), false, true); }

AdditiveScore::AdditiveScore(int64_t d_query, int64_t d_key, int64_t d_attn, Rng& rng)
    : ScoreFunction(d_query, d_key),
      wq(d_query, d_attn, rng, false),
      wk(d_key, d_attn, rng, false),
      v(d_attn, 1, rng, false) {
  register_module("wq", wq);
  register_module("wk", wk);
  register_module("v", v);
}

std::string AdditiveScore::type_name() const {
  return "AdditiveScore(" + std::to_string(wq.in_features) + ", " + std::to_string(wk.in_features) + ", " +
         std::to_string(wq.out_features) + ")";
}

Var AdditiveScore::scores3(const Var& q, const Var& keys) {
  Var pq = unsqueeze(wq(q), 2);     // [B, Tq, 1, da]
  Var pk = unsqueeze(wk(keys), 1);  // [B, 1, T, da]
  Var hidden = tanh(pq + pk);       // [B, Tq, T, da]: every (query, key) pair
  return squeeze(v(hidden), -1);    // [B, Tq, T]
}

}  // namespace atn
