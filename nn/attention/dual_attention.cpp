#include "nn/attention/dual_attention.h"

#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"

namespace atn {

namespace {

SensoryAttentionConfig resolved(SensoryAttentionConfig c) {
  if (c.head_dim == 0 && c.n_heads >= 1 && c.d_model % c.n_heads == 0) c.head_dim = c.d_model / c.n_heads;
  if (c.d_model < 1 || c.n_heads < 1 || c.head_dim < 1)
    fail("SensoryAttention: d_model=", c.d_model, ", n_heads=", c.n_heads, ", head_dim=", c.head_dim,
         " must be positive (head_dim = 0 needs n_heads to divide d_model)");
  if (c.rope && (c.head_dim % 2 != 0 || !(c.rope_base > 1)))
    fail("SensoryAttention: RoPE needs an even head_dim and a base above 1, got head_dim=", c.head_dim,
         " and rope_base=", c.rope_base);
  return c;
}

DualAttentionConfig checked(DualAttentionConfig c) {
  const int64_t total = c.n_heads_sa + c.n_heads_ra;
  if (c.n_heads_sa < 0 || c.n_heads_ra < 0 || total < 1 || c.d_model < 1 || c.d_model % total != 0)
    fail("DualAttention: d_model=", c.d_model,
         " must be a positive multiple of n_heads_sa + n_heads_ra = ", c.n_heads_sa, " + ", c.n_heads_ra);
  if (c.rope && ((c.d_model / total) % 2 != 0 || !(c.rope_base > 1)))
    fail("DualAttention: RoPE needs an even head_dim = d_model / (n_heads_sa + n_heads_ra) and a base above 1, got ",
         "head_dim=", c.d_model / total, " and rope_base=", c.rope_base);
  return c;
}

}  // namespace

SensoryAttention::SensoryAttention(SensoryAttentionConfig cfg, Rng& rng)
    : config(resolved(cfg)),
      wq(config.d_model, config.n_heads * config.head_dim, rng, false),
      wk(config.d_model, config.n_heads * config.head_dim, rng, false),
      wv(config.d_model, config.n_heads * config.head_dim, rng, false),
      wo(config.n_heads * config.head_dim, config.n_heads * config.head_dim, rng, config.bias_out),
      rotary(config.rope ? std::make_unique<RotaryPositionalEmbedding>(config.head_dim, config.rope_base) : nullptr) {
  register_module("wq", wq);
  register_module("wk", wk);
  register_module("wv", wv);
  register_module("wo", wo);
}

Var SensoryAttention::forward(const Var& x, const Tensor& mask, Var* weights) {
  const int64_t H = config.n_heads, dh = config.head_dim;
  if (x.dim() != 3 || x.size(2) != config.d_model)
    fail("SensoryAttention: input ", to_string(x.shape()), " is not [B, n, d_model] with d_model=", config.d_model);
  const int64_t B = x.size(0), n = x.size(1);
  auto heads = [&](const Var& t) { return permute(reshape(t, {B, n, H, dh}), {0, 2, 1, 3}); };
  Var q = heads(wq(x)), k = heads(wk(x));
  if (rotary) {  // row i rotated by the angles of position i: q_i·k_j then depends on j − i
    q = rotary->apply(q);
    k = rotary->apply(k);
  }
  Var s = matmul(q, k, false, true) * (real(1) / std::sqrt(real(dh)));
  Var a = softmax(detail::dat_masked_scores(s, mask, config.causal, "SensoryAttention"));
  if (weights) *weights = a;
  Var context = permute(matmul(a, heads(wv(x))), {0, 2, 1, 3});  // [B, n, H, d_h]
  return wo(reshape(context, {B, n, H * dh}));
}

std::string SensoryAttention::type_name() const {
  return "SensoryAttention(d_model=" + std::to_string(config.d_model) + ", n_heads=" + std::to_string(config.n_heads) +
         ", head_dim=" + std::to_string(config.head_dim) + (config.rope ? ", rope" : "") +
         (config.causal ? ", causal)" : ")");
}

DualAttention::DualAttention(DualAttentionConfig cfg, Rng& rng)
    : config(checked(cfg)), head_dim(cfg.d_model / (cfg.n_heads_sa + cfg.n_heads_ra)) {
  if (config.n_heads_sa > 0) {
    self_attention = std::make_unique<SensoryAttention>(SensoryAttentionConfig{.d_model = config.d_model,
                                                                               .n_heads = config.n_heads_sa,
                                                                               .head_dim = head_dim,
                                                                               .causal = config.causal,
                                                                               .rope = config.rope,
                                                                               .rope_base = config.rope_base},
                                                        rng);
    register_module("self_attention", *self_attention);
  }
  if (config.n_heads_ra > 0) {
    relational_attention = std::make_unique<RelationalAttention>(
        RelationalAttentionConfig{.d_model = config.d_model,
                                  .n_heads = config.n_heads_ra,
                                  .total_heads = config.n_heads_sa + config.n_heads_ra,
                                  .n_relations = config.n_relations,
                                  .n_kv_heads = config.n_kv_heads_ra,
                                  .symmetric_relations = config.symmetric_relations,
                                  .relative_symbols = config.relative_symbols,
                                  .activation = config.activation,
                                  .causal = config.causal,
                                  .rope = config.rope,
                                  .rope_base = config.rope_base,
                                  .grouped_wv = config.grouped_wv_ra},
        rng);
    register_module("relational_attention", *relational_attention);
  }
}

Var DualAttention::forward(const Var& x, const Var& symbols, const Tensor& mask, DualAttentionWeights* weights) {
  if (x.dim() != 3 || x.size(2) != config.d_model)
    fail("DualAttention: input ", to_string(x.shape()), " is not [B, n, d_model] with d_model=", config.d_model);
  if (weights) *weights = {};
  Var sa, ra;
  if (self_attention) sa = self_attention->forward(x, mask, weights ? &weights->sa : nullptr);
  if (relational_attention) {
    RelationalAttentionWeights w;
    ra = relational_attention->forward(x, symbols, mask, weights ? &w : nullptr);
    if (weights) {
      weights->ra = w.attention;
      weights->relations = w.relations;
    }
  }
  if (!ra.defined()) return sa;
  if (!sa.defined()) return ra;
  return concat({sa, ra}, 2);  // SA first: columns [0, n_sa·d_h) are sensory, the rest relational
}

std::string DualAttention::type_name() const {
  return "DualAttention(d_model=" + std::to_string(config.d_model) +
         ", n_heads_sa=" + std::to_string(config.n_heads_sa) + ", n_heads_ra=" + std::to_string(config.n_heads_ra) +
         (config.rope ? ", rope" : "") + (config.causal ? ", causal)" : ")");
}

}  // namespace atn
