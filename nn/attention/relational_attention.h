// Relational attention (RA): Altabaa & Lafferty, "Disentangling and Integrating Relational and
// Sensory Information in Transformer Architectures" (arXiv:2405.16727, ICML 2025); see
// specs/dual-attention.md.
//
// Self-attention sends each token a mix of the other tokens' values (sensory information). RA
// sends instead what token i is to token j: their relation r(x_i, x_j), tagged with a symbol s_j
// that says which token it came from, but carries none of x_j's content:
//
//   RA(x)_i = W_o · concat_h [ Σ_j α^h_ij ( W_r^h r(x_i, x_j) + W_v^h s_j ) ]
//
//   α^h = softmax_j(q^h_i · k^h_j / √d_h + mask)      q = x W_qᵀ, k = x W_kᵀ (no bias)
//   R_ijℓ = act(⟨W^rel_{q,ℓ} x_i, W^rel_{k,ℓ} x_j⟩ / √d_r),  ℓ = 1..n_r     (n_r relations)
//   ŝ_j = W_v s_j                                       (W_v acts on the symbols, not on x)
//
// d_h = d_model / total_heads (total_heads = n_sa + n_ra inside DualAttention), so this branch is
// n_heads·d_h wide; d_r = d_h·n_heads / n_r. The relations are not split by head: every head
// reads all n_r of them through its own W_r^h [d_h, n_r].
//
// Never an n×n×d tensor. The bracket, summed naively, needs W_r^h r(x_i, x_j) ∈ R^{d_h} for every
// pair. Linearity lets us sum first and project after:
//   A^h_i = Σ_j α^h_ij ŝ^h_j                  ([n, n] × [n, d_h], an ordinary attention product)
//   ρ^h_i = Σ_j α^h_ij R_ij·  ∈ R^{n_r}       ([n, n] × [n, n_r] per query: only n×n×n_r exists)
//   out^h_i = A^h_i + W_r^h ρ^h_i.
//
// Symbols come from a retriever (nn/attention/symbol_retrieval.h): [n, d] (one per position) or
// [B, n, d]. Position-relative symbols (relative_symbols = true) depend on the offset j − i:
// ŝ_ij = W_v s_{j−i}, A^h_i = Σ_j α^h_ij ŝ^h_ij. They are passed as a table [2n − 1, d] whose row
// (j − i) + n − 1 is the symbol for that offset; we regroup α by offset, β^h_{i,o} = α^h_{i,i+o}
// (0 when i + o is outside the sequence), and take β [n, 2n − 1] × ŝ [2n − 1, d_h]. Again
// nothing of size n×n×d is built.
//
// Positions. RA has none of its own. With `rope`, the attention query and key of every head are
// rotated by their positions (nn/rope.h, interleaved pairs, as upstream's apply_rotary_emb), so α
// depends on where tokens are only through the offset j − i. The relations and the symbols are
// not rotated: R_ijℓ stays a comparison of contents, and positions reach the symbols, if at all,
// through the retriever.
//
// Grouped-query keys (n_kv_heads < n_heads): the g = n_heads/n_kv_heads query heads κ·g .. κ·g +
// g − 1 share key head κ. By default W_v still has one block per query head, [n_heads·d_h, d];
// with `grouped_wv` it has one per key head, [n_kv_heads·d_h, d], shared by the group like the
// keys: upstream's layout, so its checkpoints load.
//
// Parameter names follow upstream: "wq_attn", "wk_attn", "wq_rel", "wk_rel" (absent with
// symmetric relations, where W_k^rel is W_q^rel and R_ijℓ = R_jiℓ), "wv", "wr" [n_heads, d_h, n_r],
// "wo" [n_heads·d_h, n_heads·d_h]; no biases unless bias_out. W_r starts as upstream's
// kaiming_uniform_(a = √5) on that shape: U(−b, b), b = 1/√(d_h·n_r) (PyTorch's fan_in of a
// [n_heads, d_h, n_r] tensor is d_h·n_r). Dropout is left to the caller (it belongs to the block).
#pragma once
#include <memory>

#include "nn/linear.h"
#include "nn/rope.h"

namespace atn {

enum class RelationActivation { identity, relu, tanh, sigmoid };

struct RelationalAttentionConfig {
  int64_t d_model = 0;
  int64_t n_heads = 1;      // n_ra
  int64_t total_heads = 0;  // fixes d_h = d_model / total_heads; 0 means n_heads
  int64_t n_relations = 0;  // n_r; 0 means n_heads
  int64_t n_kv_heads = 0;   // grouped-query keys for α; 0 means n_heads (must divide it)
  bool symmetric_relations = false;
  bool relative_symbols = false;  // symbols are the offset table [2n − 1, d]
  RelationActivation activation = RelationActivation::identity;
  bool causal = false;
  bool bias_out = false;     // a bias in W_o
  bool rope = false;         // RoPE on the attention q and k (needs an even d_h)
  double rope_base = 10000;  // θ_i = base^(−2i/d_h)
  bool grouped_wv = false;   // W_v per key head, [n_kv_heads·d_h, d] (upstream's layout)
};

struct RelationalAttentionWeights {
  Var attention;  // α [B, H, n, n]
  Var relations;  // R [B, n_r, n, n]: relations[b, ℓ, i, j] = R_ijℓ (laid out like α, for heatmaps)
};

class RelationalAttention : public Module {
 public:
  RelationalAttention(RelationalAttentionConfig config, Rng& rng);

  // x [B, n, d], symbols as above, mask (optional; 1 = may attend, 0 = blocked) broadcasting to
  // [B, H, n, n], combined with the causal mask when config.causal. → [B, n, n_heads·d_h].
  Var forward(const Var& x, const Var& symbols, const Tensor& mask = Tensor(),
              RelationalAttentionWeights* weights = nullptr);
  std::string type_name() const override;

  RelationalAttentionConfig config;  // with the defaults (0 = "same as ...") resolved
  int64_t head_dim, rel_dim;         // d_h and d_r
  Linear wq_attn, wk_attn, wq_rel;
  std::unique_ptr<Linear> wk_rel;  // null with symmetric relations
  Linear wv;                       // [n_heads·d_h, d], or [n_kv_heads·d_h, d] with grouped_wv
  Var wr;                          // [n_heads, d_h, n_r]
  Linear wo;
  std::unique_ptr<RotaryPositionalEmbedding> rotary;  // null unless config.rope (no parameters)
};

namespace detail {
// Shared by the attention modules of the Dual Attention Transformer: scores with −inf where
// `mask` (0/1, broadcasting to the scores) is 0 and, when `causal`, where the key is after the
// query. Throws (naming `op`) on a mask that is not 0/1.
Var dat_masked_scores(const Var& scores, const Tensor& mask, bool causal, const char* op);
}  // namespace detail

}  // namespace atn
