#include "nn/attention/collaborative.h"

#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "nn/init.h"

namespace atn {

namespace {

// The config with its defaults filled in, or an Error naming what is wrong.
CollaborativeConfig resolved(CollaborativeConfig c) {
  if (c.d_model < 1 || c.n_heads < 1 || c.d_shared < 0 || c.d_value < 0)
    fail("CollaborativeAttention: sizes must be positive, got d_model=", c.d_model, " n_heads=", c.n_heads,
         " d_shared=", c.d_shared, " d_value=", c.d_value);
  if (c.d_shared == 0) c.d_shared = c.d_model;
  if (c.d_value == 0) {
    if (c.d_model % c.n_heads != 0)
      fail("CollaborativeAttention: d_model=", c.d_model, " is not divisible by n_heads=", c.n_heads,
           "; give d_value explicitly");
    c.d_value = c.d_model / c.n_heads;
  }
  if (c.mixing_init == MixingInit::concatenate && c.d_shared % c.n_heads != 0)
    fail("CollaborativeAttention: the concatenate initialization needs d_shared=", c.d_shared,
         " divisible by n_heads=", c.n_heads);
  return c;
}

}  // namespace

CollaborativeAttention::CollaborativeAttention(const CollaborativeConfig& c, Rng& rng)
    : config(resolved(c)),
      wq(config.d_model, config.d_shared, rng, false),
      wk(config.d_model, config.d_shared, rng, false),
      wv(config.d_model, config.n_heads * config.d_value, rng, false),
      wo(config.n_heads * config.d_value, config.d_model, rng, false) {
  const int64_t n_heads = config.n_heads, d_shared = config.d_shared;
  register_module("wq", wq);
  register_module("wk", wk);
  Tensor m({n_heads, d_shared});
  if (config.mixing_init == MixingInit::concatenate) {
    const int64_t block = d_shared / n_heads;
    for (int64_t h = 0; h < n_heads; ++h)
      for (int64_t j = h * block; j < (h + 1) * block; ++j) m[h * d_shared + j] = 1;
  } else {
    // Σ_j m_j q_j k_j over D̃ terms with var(m_j) = 1/H has the variance of D̃/H = d_k unmixed
    // terms, the same as a concatenate head sees.
    init::normal(m, rng, 0, 1 / std::sqrt(real(n_heads)));
  }
  register_parameter("mixing", mixing, m);
  register_module("wv", wv);
  register_module("wo", wo);
}

std::string CollaborativeAttention::type_name() const {
  const auto& [d_model, n_heads, d_shared, d_value, _] = config;
  return "CollaborativeAttention(d=" + std::to_string(d_model) + ", heads=" + std::to_string(n_heads) +
         ", d_shared=" + std::to_string(d_shared) + ", d_value=" + std::to_string(d_value) + ")";
}

AttentionResult CollaborativeAttention::forward(const Var& x, const Tensor& mask) {
  const auto& [d_model, n_heads, d_shared, d_value, _] = config;
  if ((x.dim() != 2 && x.dim() != 3) || x.size(-1) != d_model)
    fail("CollaborativeAttention: input ", to_string(x.shape()), " is not [T, d] or [B, T, d] with d=", d_model);
  const bool single = x.dim() == 2;
  Var xb = single ? unsqueeze(x, 0) : x;  // [B, T, d]
  const int64_t b = xb.size(0), t = xb.size(1);

  Var q = unsqueeze(wq(xb), 1);  // [B, 1, T, D̃], shared by every head
  Var k = unsqueeze(wk(xb), 1);  // [B, 1, T, D̃]
  // Row h of the broadcast product is Q diag(m_h): each head reweights the shared coordinates.
  Var q_mixed = q * reshape(mixing, {n_heads, 1, d_shared});  // [B, H, T, D̃]
  const real d_k = real(d_shared) / real(n_heads);
  Var scores = matmul(q_mixed, k, false, true) / std::sqrt(d_k);  // [B, H, T, T]

  Var v = permute(reshape(wv(xb), {b, t, n_heads, d_value}), {0, 2, 1, 3});        // [B, H, T, d_value]
  auto [heads, weights] = attend(scores, v, mask, "CollaborativeAttention");       // heads [B, H, T, d_value]
  Var out = wo(reshape(permute(heads, {0, 2, 1, 3}), {b, t, n_heads * d_value}));  // [B, T, d]
  if (single) return {squeeze(out, 0), squeeze(weights, 0)};
  return {out, weights};
}

}  // namespace atn
