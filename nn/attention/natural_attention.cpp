#include "nn/attention/natural_attention.h"

#include <cmath>
#include <limits>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"

namespace atn {

namespace {

NaturalAttentionConfig checked(NaturalAttentionConfig c) {
  if (c.d_model < 1 || c.n_heads < 1 || c.d_model % c.n_heads != 0)
    fail("NaturalAttention: d_model=", c.d_model, " must be a positive multiple of n_heads=", c.n_heads);
  return c;
}

// [L, L] with 1 where the key comes after the query (j > i): the entries the causal mask hides.
Tensor future_positions(int64_t L) {
  Tensor m({L, L});
  for (int64_t i = 0; i < L; ++i)
    for (int64_t j = i + 1; j < L; ++j) m[i * L + j] = 1;
  return m;
}

}  // namespace

NaturalAttention::NaturalAttention(NaturalAttentionConfig cfg, Rng& rng)
    : config(checked(cfg)),
      head_dim(cfg.d_model / cfg.n_heads),
      wq(cfg.d_model, cfg.d_model, rng),
      wk(cfg.d_model, cfg.d_model, rng),
      wv(cfg.d_model, cfg.d_model, rng),
      wo(cfg.d_model, cfg.d_model, rng) {
  register_module("wq", wq);
  register_module("wk", wk);
  register_module("wv", wv);
  register_module("wo", wo);
}

Var NaturalAttention::forward(const Var& x, Var* weights) {
  if (x.dim() != 3 || x.size(2) != config.d_model)
    fail("NaturalAttention: input ", to_string(x.shape()), " is not [B, L, d_model] with d_model=", config.d_model);
  const int64_t B = x.size(0), L = x.size(1), H = config.n_heads;
  // [B, L, d] → [B, H, L, d_h]: head h owns columns h·d_h .. (h+1)·d_h − 1 of the projection.
  auto heads = [&](const Var& t) { return permute(reshape(t, {B, L, H, head_dim}), {0, 2, 1, 3}); };
  Var q = heads(wq(x)), k = heads(wk(x)), v = heads(wv(x));

  Var e = matmul(q, k, false, true) * (real(1) / std::sqrt(real(head_dim)));
  if (!config.leaky) e = masked_fill(e, future_positions(L), -std::numeric_limits<real>::infinity());
  energies_ = e.value().clone();  // detached: later changes to either side never reach the other

  Var a = softmax(e);
  if (weights) *weights = a;
  Var context = permute(matmul(a, v), {0, 2, 1, 3});  // [B, L, H, d_h]
  return wo(reshape(context, {B, L, config.d_model}));
}

std::function<Tensor()> NaturalAttention::energy_source() const {
  return [this] { return energies_; };
}

std::string NaturalAttention::type_name() const {
  return "NaturalAttention(d_model=" + std::to_string(config.d_model) + ", n_heads=" + std::to_string(config.n_heads) +
         (config.leaky ? ", leaky)" : ")");
}

}  // namespace atn
