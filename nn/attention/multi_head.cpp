#include "nn/attention/multi_head.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "nn/attention/sdpa_heads.h"
#include "tensor/elementwise.h"

namespace atn {

namespace {

// Checks everything before any member is built, so a bad config reports itself here rather
// than as a confusing error from a Linear or a positional module.
const MultiHeadAttentionConfig& validated(const MultiHeadAttentionConfig& c) {
  if (c.d_model < 1 || c.n_heads < 1 || c.n_kv_heads < 0)
    fail("MultiHeadAttention: need d_model >= 1, n_heads >= 1 and n_kv_heads >= 0, got d_model=", c.d_model,
         " n_heads=", c.n_heads, " n_kv_heads=", c.n_kv_heads);
  const int64_t n_kv = c.n_kv_heads == 0 ? c.n_heads : c.n_kv_heads;
  if (c.n_heads % n_kv != 0)
    fail("MultiHeadAttention: n_kv_heads=", n_kv, " does not divide n_heads=", c.n_heads,
         " (each K/V head serves a whole group of query heads)");
  if (c.head_style == HeadStyle::Split && c.d_model % c.n_heads != 0)
    fail("MultiHeadAttention: n_heads=", c.n_heads, " does not divide d_model=", c.d_model,
         " (split heads have d_head = d_model / n_heads; use HeadStyle::FullWidth for d_head = d_model)");
  const int64_t dh = c.head_style == HeadStyle::Split ? c.d_model / c.n_heads : c.d_model;
  if (!(c.dropout >= 0 && c.dropout < 1)) fail("MultiHeadAttention: dropout must be in [0, 1), got ", c.dropout);
  if (c.positions == AttentionPositions::RoPE && dh % 2 != 0)
    fail("MultiHeadAttention: RoPE rotates pairs of coordinates and needs an even d_head, got ", dh);
  if (c.positions == AttentionPositions::Shaw && c.max_relative_position < 0)
    fail("MultiHeadAttention: max_relative_position must be >= 0, got ", c.max_relative_position);
  return c;
}

int64_t kv_heads_of(const MultiHeadAttentionConfig& c) { return c.n_kv_heads == 0 ? c.n_heads : c.n_kv_heads; }
int64_t d_head_of(const MultiHeadAttentionConfig& c) {
  return c.head_style == HeadStyle::Split ? c.d_model / c.n_heads : c.d_model;
}

// [B, T, H·dh] → [B, T, H, dh] → [B, H, T, dh]: each head becomes a batch of its own.
Var split_heads(const Var& x, int64_t heads, int64_t dh) {
  return transpose(reshape(x, {x.size(0), x.size(1), heads, dh}), 1, 2);
}

// The inverse: [B, H, T, dh] → [B, T, H, dh] → [B, T, H·dh] (head h in columns h·dh … h·dh+dh−1).
Var merge_heads(const Var& x) { return reshape(transpose(x, 1, 2), {x.size(0), x.size(2), x.size(1) * x.size(3)}); }

// 1 where query i may NOT attend to key j: the user's mask turned around (blocked = mask == 0)
// and, if causal, every key in the future of the query (j > past + i). Undefined if nothing is
// blocked. The result broadcasts to the scores [B, H, Tq, Tk].
Tensor blocked_positions(const Tensor& mask, bool causal, int64_t Tq, int64_t Tk, int64_t past) {
  Tensor blocked;
  if (mask.defined()) blocked = map(mask, [](real m) { return m == 0 ? real(1) : real(0); });
  if (causal) {
    Tensor future({Tq, Tk});
    for (int64_t i = 0; i < Tq; ++i)
      for (int64_t j = past + i + 1; j < Tk; ++j) future[i * Tk + j] = 1;
    blocked = blocked.defined() ? maximum(blocked, future) : future;
  }
  return blocked;
}

}  // namespace

MultiHeadAttention::MultiHeadAttention(MultiHeadAttentionConfig c, Rng& rng)
    : config(validated(c)),
      n_heads(c.n_heads),
      n_kv_heads(kv_heads_of(c)),
      d_head(d_head_of(c)),
      wq(c.d_model, n_heads * d_head, rng, c.qkv_bias),
      wk(c.d_model, n_kv_heads * d_head, rng, c.qkv_bias),
      wv(c.d_model, n_kv_heads * d_head, rng, c.qkv_bias),
      wo(n_heads * d_head, c.d_model, rng, c.out_bias),
      attn_dropout(c.dropout, rng) {
  register_module("wq", wq);
  register_module("wk", wk);
  register_module("wv", wv);
  register_module("wo", wo);
  register_module("attn_dropout", attn_dropout);
  switch (c.positions) {
    case AttentionPositions::None:
      break;
    case AttentionPositions::RoPE:
      rope = std::make_unique<RotaryPositionalEmbedding>(d_head, c.rope_base);
      register_module("rope", *rope);
      break;
    case AttentionPositions::ALiBi:
      alibi = std::make_unique<ALiBi>(n_heads);  // one slope per query head
      register_module("alibi", *alibi);
      break;
    case AttentionPositions::Shaw:
      // One pair of tables shared by all heads, as in the paper (§3.3).
      rel_pos = std::make_unique<RelativePositionEmbedding>(c.max_relative_position, d_head, rng);
      register_module("rel_pos", *rel_pos);
      break;
  }
}

AttentionOutput MultiHeadAttention::forward(const Var& x, const Tensor& mask, bool need_weights) {
  return attend(x, x, mask, config.causal, need_weights, nullptr);
}

AttentionOutput MultiHeadAttention::forward(const Var& query, const Var& key_value, const Tensor& mask,
                                            bool need_weights) {
  return attend(query, key_value, mask, config.causal, need_weights, nullptr);
}

AttentionOutput MultiHeadAttention::forward_incremental(const Var& x_new, KVCache& cache, int64_t layer,
                                                        const Tensor& mask, bool need_weights) {
  return attend(x_new, x_new, mask, /*causal=*/true, need_weights, &cache.layer(layer));
}

AttentionOutput MultiHeadAttention::attend(const Var& query, const Var& key_value, const Tensor& mask, bool causal,
                                           bool need_weights, KVCache::Entry* cache) {
  const int64_t d = config.d_model;
  if (query.dim() != 3 || query.size(2) != d || query.size(1) < 1)
    fail("MultiHeadAttention: query ", to_string(query.shape()), " is not [B, Tq, d_model] with d_model=", d);
  if (key_value.dim() != 3 || key_value.size(2) != d || key_value.size(1) < 1 || key_value.size(0) != query.size(0))
    fail("MultiHeadAttention: key_value ", to_string(key_value.shape()),
         " is not [B, Tk, d_model] with B=", query.size(0), " (from the query ", to_string(query.shape()),
         ") and d_model=", d);
  if (cache && cache->length() > 0 &&
      (cache->keys.size(0) != query.size(0) || cache->keys.size(1) != n_kv_heads || cache->keys.size(3) != d_head))
    fail("MultiHeadAttention: the KV cache holds keys ", to_string(cache->keys.shape()), ", not [B=", query.size(0),
         ", n_kv_heads=", n_kv_heads, ", T, d_head=", d_head, "]");

  const int64_t B = query.size(0), Tq = query.size(1), H = n_heads, Hkv = n_kv_heads, G = H / Hkv, dh = d_head;
  const int64_t past = cache ? cache->length() : 0;  // positions before the first new query
  const int64_t Tk = past + key_value.size(1);
  if (mask.defined()) {
    // mask must broadcast to exactly [B, H, Tq, Tk]: right-aligned, each size 1 or equal.
    const Shape scores{B, H, Tq, Tk};
    bool ok = mask.dim() <= 4;
    for (int64_t a = 1; ok && a <= mask.dim(); ++a) {
      const int64_t m = mask.size(-a), s = scores[size_t(4 - a)];
      ok = m == 1 || m == s;
    }
    if (!ok)
      fail("MultiHeadAttention: mask ", to_string(mask.shape()),
           " does not broadcast to the scores [B, H, Tq, Tk] = ", to_string(scores));
  }

  // config.fused_heads: plain multi-head attention (nothing added to the scores, one K/V head
  // per query head, no cache, no dropout, no weights asked for) is the fused op on the
  // projections as they come: it reads each head in place and writes the heads merged
  // (nn/attention/sdpa_heads.h), with the same numbers as steps 1–6 up to float rounding. Its
  // causal rule puts the queries at the last Tq positions, this module's rule when Tq = Tk.
  const bool plain = !rope && !alibi && !rel_pos && Hkv == H && !(attn_dropout.training() && attn_dropout.p > 0);
  if (config.fused_heads && plain && !cache && !need_weights && (!causal || Tq == Tk)) {
    const SdpaOptions options{.causal = causal, .mask = mask};
    return {wo.forward(sdpa_fused_heads(wq.forward(query), wk.forward(key_value), wv.forward(key_value), H, options)),
            Var()};
  }

  // 1. Project, then cut the last axis into heads: q [B, H, Tq, dh], k and v [B, H_kv, Tk_new, dh].
  Var q = split_heads(wq.forward(query), H, dh);
  Var k = split_heads(wk.forward(key_value), Hkv, dh);
  Var v = split_heads(wv.forward(key_value), Hkv, dh);

  // 2. RoPE rotates queries and keys (never values) by the angle of their absolute position.
  if (rope) {
    q = rope->apply(q, past);
    k = rope->apply(k, past);
  }

  // 3. With a cache, the new keys and values join the old ones and attention sees all Tk.
  if (cache) {
    cache->append(k, v);
    k = cache->keys;
    v = cache->values;
  }

  // 4. Scores q·kᵀ [B, H, Tq, Tk]. Grouping: query head h = g_kv·G + i lies in K/V group g_kv,
  //    so viewing q as [B, H_kv, G, Tq, dh] against k as [B, H_kv, 1, Tk, dh] pairs each query
  //    head with its K/V head by broadcasting (G = 1 is plain multi-head attention).
  Var scores = matmul(reshape(q, {B, Hkv, G, Tq, dh}), unsqueeze(k, 2), false, true);
  scores = reshape(scores, {B, H, Tq, Tk});
  // Shaw's eq. 4 puts the relative term inside the scaling: (q·k + q·a^K)/√dh.
  if (rel_pos) scores = scores + rel_pos->score_bias(q, Tk, past);
  scores = scores * real(1 / std::sqrt(double(dh)));
  // ALiBi adds −m_h·|i − j| to the already scaled scores (a constant, nothing to learn).
  if (alibi) scores = scores + constant(alibi->bias(Tq, Tk, past));

  // 5. Blocked pairs get −∞, hence weight exactly 0 after the softmax (and no gradient).
  const Tensor blocked = blocked_positions(mask, causal, Tq, Tk, past);
  if (blocked.defined()) scores = masked_fill(scores, blocked, -std::numeric_limits<real>::infinity());
  const Var weights = softmax(scores);  // each row a distribution over the Tk keys
  const Var mixed = attn_dropout(weights);

  // 6. Mix the values with the same grouping, add Shaw's value term, merge heads, project.
  Var heads = matmul(reshape(mixed, {B, Hkv, G, Tq, Tk}), unsqueeze(v, 2));  // [B, H_kv, G, Tq, dh]
  heads = reshape(heads, {B, H, Tq, dh});
  if (rel_pos) heads = heads + rel_pos->value_term(mixed, past);  // eq. 3: Σ_j α_ij a^V_ij
  return {wo.forward(merge_heads(heads)), need_weights ? weights : Var()};
}

std::string MultiHeadAttention::type_name() const {
  static const char* const positions[] = {"", ", RoPE", ", ALiBi", ", Shaw"};
  std::ostringstream os;
  os << "MultiHeadAttention(d_model=" << config.d_model << ", heads=" << n_heads;
  if (n_kv_heads != n_heads) os << ", kv_heads=" << n_kv_heads;
  os << ", d_head=" << d_head << (config.head_style == HeadStyle::FullWidth ? ", full-width" : "")
     << positions[int(config.positions)] << (config.causal ? ", causal" : "") << ")";
  return os.str();
}

}  // namespace atn
