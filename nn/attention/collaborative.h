// Collaborative multi-head attention: Cordonnier, Loukas & Jaggi (2020), "Multi-Head Attention:
// Collaborate Instead of Concatenate" (arXiv:2006.16362).
//
// Standard heads each learn their own W_q^h, W_k^h. Trained heads turn out to project onto
// overlapping subspaces, so here all heads SHARE one query and one key projection into a space
// of D̃ = d_shared dimensions, and head h only learns a mixing vector m_h ∈ R^{D̃} that weighs
// those shared dimensions:
//
//   Q = X W_qᵀ, K = X W_kᵀ                         [T, D̃] each, shared by all heads
//   A_h = softmax(Q diag(m_h) Kᵀ / √d_k + mask)     d_k = D̃ / H (a real number)
//   head_h = A_h X W_v^hᵀ                           [T, d_value]
//   out = [head_1 ‖ … ‖ head_H] W_oᵀ                [T, d_model]
//
// With m_h the indicator of the h-th block of D̃/H coordinates ("concatenate" initialization)
// this is exactly standard multi-head attention with split heads of size d_k = D̃/H, which is
// why the scale is √(D̃/H). A smaller D̃ with learned m_h saves parameters: the query/key part
// costs 2·d_model·D̃ + H·D̃ instead of 2·d_model·H·d_k.
//
// Every projection is bias-free (as the course's SelfAttention; the paper's extra key "content
// bias" term is left out). Parameters: "wq.weight" [D̃, d], "wk.weight" [D̃, d], "mixing" [H, D̃]
// (row h is m_h), "wv.weight" [H·d_value, d] (the heads' W_v^h stacked), "wo.weight"
// [d, H·d_value]. Count: 2·d·D̃ + H·D̃ + 2·d·H·d_value.
#pragma once
#include "nn/attention/scores.h"

namespace atn {

enum class MixingInit {
  concatenate,  // m_h = 1 on coordinates [h·D̃/H, (h+1)·D̃/H), 0 elsewhere: standard MHA (needs H | D̃)
  normal,       // m_h ~ N(0, 1/H) per entry, so each score's variance matches the concatenate case
};

struct CollaborativeConfig {
  int64_t d_model = 0;
  int64_t n_heads = 1;
  int64_t d_shared = 0;  // D̃, the shared query/key width; 0 means d_model
  int64_t d_value = 0;   // each head's value width; 0 means d_model / n_heads (must divide)
  MixingInit mixing_init = MixingInit::concatenate;
};

class CollaborativeAttention : public Module {
 public:
  CollaborativeAttention(const CollaborativeConfig& config, Rng& rng);

  // x [T, d] or [B, T, d] → context [T, d] or [B, T, d], weights [H, T, T] or [B, H, T, T].
  // mask (1 = may attend) broadcasts to [B, H, T, T]: causal_mask(T), padding_mask(...).
  AttentionResult forward(const Var& x, const Tensor& mask = Tensor());
  AttentionResult operator()(const Var& x, const Tensor& mask = Tensor()) { return forward(x, mask); }
  std::string type_name() const override;

  CollaborativeConfig config;  // with the defaults filled in (d_shared, d_value never 0)
  Linear wq, wk;
  Var mixing;
  Linear wv, wo;
};

}  // namespace atn
