// NaturalAttention: the attention of the "natural attention" project (specs/natural-attention.md),
// rebuilt from its description. It is plain multi-head softmax attention,
//
//   Q = x W_qᵀ + b_q,  K = x W_kᵀ + b_k,  V = x W_vᵀ + b_v          (d → d, split into H heads of d_h = d/H)
//   E = Q Kᵀ / √d_h  (+ the causal mask: −∞ where the key is after the query)   [B, H, L, L]
//   A = softmax(E),   out = concat_h(A V) W_oᵀ + b_o,
//
// with one addition: it keeps the energies E of the last forward pass, after the mask and before
// the softmax, as a detached copy (a plain Tensor that no gradient flows through). The
// attention-informed optimizer (optim/attention_informed.h) reads them: one scalar ē = mean |E|
// over the finite entries per block per step.
//
// Causal by default. `leaky = true` drops the mask, as the upstream block does (it passes no
// mask), so every position also attends to the tokens after it; with the upstream label shift
// the model then sees the token it must predict, which explains its low loss. Use it only to show
// that effect.
//
// Parameter names follow the rest of atencion ("wq", "wk", "wv", "wo", each a Linear with bias:
// "wq.weight" [d, d], "wq.bias" [d], ...); upstream's q/k/v/o projections map onto them one to one.
#pragma once
#include <functional>

#include "nn/linear.h"

namespace atn {

struct NaturalAttentionConfig {
  int64_t d_model = 0;
  int64_t n_heads = 1;  // must divide d_model
  bool leaky = false;   // true: no causal mask (upstream's behaviour)
};

class NaturalAttention : public Layer {
 public:
  NaturalAttention(NaturalAttentionConfig config, Rng& rng);

  // x [B, L, d] → [B, L, d]. If `weights` is given it receives A [B, H, L, L], the Var on the
  // tape (rows sum to 1; with the causal mask row i is zero after column i).
  Var forward(const Var& x) override { return forward(x, nullptr); }
  Var forward(const Var& x, Var* weights);
  std::string type_name() const override;

  // E of the last forward pass [B, H, L, L] (−inf at masked entries); undefined before the first.
  // Each forward replaces it with a new tensor, so a copy taken earlier keeps its values.
  const Tensor& energies() const { return energies_; }

  // A function returning the energies of the last forward pass, for the attention-informed
  // optimizer. (nn/ does not depend on optim/, so we hand over the function and the caller
  // builds the group.) The function refers to this module, which must outlive the optimizer:
  //   AttentionInformedAdamW opt({{"blocks.0", block.parameters(), block.attn.energy_source()}}, rest);
  std::function<Tensor()> energy_source() const;

  NaturalAttentionConfig config;
  int64_t head_dim;
  Linear wq, wk, wv, wo;

 private:
  Tensor energies_;
};

}  // namespace atn
