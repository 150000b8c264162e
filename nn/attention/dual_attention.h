// Dual attention: the attention layer of the Dual Attention Transformer (DAT; Altabaa & Lafferty,
// arXiv:2405.16727; specs/dual-attention.md). It runs n_sa ordinary self-attention heads
// ("sensory": they move the content of other tokens) beside n_ra relational heads (they move
// relations between tokens, tagged with symbols; nn/attention/relational_attention.h) and
// concatenates the two:
//
//   DualAttention(x) = concat(SA(x), RA(x, symbols)),   head_dim = d / (n_sa + n_ra),
//
// SA first. SA is n_sa·head_dim wide and RA n_ra·head_dim, so the concat is exactly d. Each branch
// ends with its own W_o; there is no projection after the concat. With 0 heads in one branch only
// the other runs (n_ra = 0 is a standard Transformer's attention, n_sa = 0 is pure RA).
//
// Masks (optional) are 0/1 tensors, 1 = may attend, broadcasting to [B, H, n, n]; `causal`
// additionally blocks keys after the query (lower triangle with the diagonal allowed).
// With `rope`, both branches rotate their attention queries and keys (nn/rope.h), as upstream
// passes the same RoPE angles to both.
#pragma once
#include <memory>

#include "nn/attention/relational_attention.h"

namespace atn {

// Multi-head softmax self-attention with an explicit head_dim, the SA branch of DualAttention:
// wq, wk, wv: Linear(d → n_heads·head_dim), wo: Linear(n_heads·head_dim → n_heads·head_dim), all
// without bias unless bias_out (for wo), as upstream. With `rope`, q and k are rotated by their
// positions before the scores.
struct SensoryAttentionConfig {
  int64_t d_model = 0;
  int64_t n_heads = 1;
  int64_t head_dim = 0;  // 0 means d_model / n_heads
  bool causal = false;
  bool bias_out = false;
  bool rope = false;         // RoPE on q and k (needs an even head_dim)
  double rope_base = 10000;  // θ_i = base^(−2i/head_dim)
};

class SensoryAttention : public Module {
 public:
  SensoryAttention(SensoryAttentionConfig config, Rng& rng);
  // x [B, n, d] → [B, n, n_heads·head_dim]; weights, if given, receives α [B, H, n, n].
  Var forward(const Var& x, const Tensor& mask = Tensor(), Var* weights = nullptr);
  std::string type_name() const override;

  SensoryAttentionConfig config;  // head_dim resolved
  Linear wq, wk, wv, wo;
  std::unique_ptr<RotaryPositionalEmbedding> rotary;  // null unless config.rope (no parameters)
};

struct DualAttentionConfig {
  int64_t d_model = 0;
  int64_t n_heads_sa = 1;
  int64_t n_heads_ra = 1;
  int64_t n_relations = 0;    // n_r; 0 means n_heads_ra
  int64_t n_kv_heads_ra = 0;  // grouped-query keys in RA; 0 means n_heads_ra
  bool symmetric_relations = false;
  bool relative_symbols = false;  // symbols are PositionRelativeSymbols' offset table
  RelationActivation activation = RelationActivation::identity;
  bool causal = false;
  bool rope = false;           // RoPE on the attention q and k of both branches (needs an even head_dim)
  double rope_base = 10000;    // θ_i = base^(−2i/head_dim)
  bool grouped_wv_ra = false;  // RA's W_v per key head (upstream's layout; relational_attention.h)
};

struct DualAttentionWeights {
  Var sa;         // [B, n_sa, n, n], undefined when n_sa = 0
  Var ra;         // [B, n_ra, n, n], undefined when n_ra = 0
  Var relations;  // [B, n_r, n, n], undefined when n_ra = 0
};

class DualAttention : public Module {
 public:
  DualAttention(DualAttentionConfig config, Rng& rng);

  // x [B, n, d] and the symbols of a retriever (ignored, may be undefined, when n_ra = 0) → [B, n, d].
  Var forward(const Var& x, const Var& symbols, const Tensor& mask = Tensor(), DualAttentionWeights* weights = nullptr);
  std::string type_name() const override;

  DualAttentionConfig config;
  int64_t head_dim;
  std::unique_ptr<SensoryAttention> self_attention;           // null when n_heads_sa = 0
  std::unique_ptr<RelationalAttention> relational_attention;  // null when n_heads_ra = 0
};

}  // namespace atn
