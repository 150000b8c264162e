// PreNormAttentionBlock<Attention, Weights>: GPT-2's pre-norm block around any attention module
// with the projections wq, wk, wv, wo, for the research GPTs that swap the attention
// (models/natural_gpt.h, models/adaptive_span_gpt.h):
//
//   x ← x + attn(ln_1(x));   x ← x + mlp(ln_2(x))      mlp: c_fc d → 4d, exact GELU, c_proj 4d → d
//
// LayerNorms with bias (eps 1e-5), biases in the MLP, no dropout. Names as GPT's blocks:
// ln_1.*, attn.*, ln_2.*, mlp.c_fc.*, mlp.c_proj.*. `Weights` is what the attention's
// forward(x, Weights*) fills with its attention weights, for plots (Var or Tensor).
#pragma once
#include <vector>

#include "autograd/ops_basic.h"
#include "models/block_gpt.h"
#include "models/transformer_block.h"
#include "nn/linear_init.h"

namespace atn {

template <class Attention, class Weights>
class PreNormAttentionBlock : public Module {
 public:
  using AttentionWeights = Weights;

  // d_model and n_head size the LayerNorms and the MLP; attention_config builds attn. The modules
  // draw their default init from rng in the order ln_1, attn, ln_2, mlp (the LayerNorms draw nothing).
  template <class AttentionConfig>
  PreNormAttentionBlock(int64_t d_model, int64_t n_head, const AttentionConfig& attention_config, Rng& rng)
      : ln_1(d_model, true),
        attn(attention_config, rng),
        ln_2(d_model, true),
        mlp({.d_model = d_model, .n_head = n_head, .dropout = 0, .bias = true, .causal = true}, rng) {
    register_module("ln_1", ln_1);
    register_module("attn", attn);
    register_module("ln_2", ln_2);
    register_module("mlp", mlp);
  }

  // x [B, T, d] → [B, T, d]; weights, if given, receives the attention's weights [B, H, T, T].
  Var forward(const Var& x, Weights* weights = nullptr) {
    Var y = x + attn.forward(ln_1(x), weights);
    return y + mlp(ln_2(y));
  }

  // GPT-2's init (nanoGPT's _init_weights), in the order wq, wk, wv, wo, c_fc, c_proj: weights
  // N(0, 0.02), the two residual projections (attn.wo, mlp.c_proj) N(0, 0.02/√(2·n_layers)),
  // biases 0. The LayerNorms keep their ones and zeros; the attention's other parameters (an
  // adaptive span's ratios) are left as they are.
  void init_gpt2(Rng& rng, int64_t n_layers) {
    init_normal_linears({&attn.wq, &attn.wk, &attn.wv, &attn.wo, &mlp.c_fc, &mlp.c_proj}, {&attn.wo, &mlp.c_proj}, rng,
                        0.02f, gpt2_residual_std(n_layers));
  }

  LayerNormOptionalBias ln_1;
  Attention attn;
  LayerNormOptionalBias ln_2;
  BlockMLP mlp;
};

namespace detail {
inline Tensor plain_tensor(const Var& v) { return v.value(); }
inline Tensor plain_tensor(const Tensor& t) { return t; }
}  // namespace detail

// x [B, T, d] through blocks 0, 1, ... in turn. `weights`, if given, receives each block's
// attention weights [B, H, T, T] as a plain tensor (for plots; no gradient flows through them).
template <class Block>
Var run_blocks_in_turn(ListOf<Block>& blocks, const Var& x, std::vector<Tensor>* weights = nullptr) {
  if (weights) weights->assign(size_t(blocks.size()), Tensor());
  Var y = x;
  for (int64_t i = 0; i < blocks.size(); ++i) {
    typename Block::AttentionWeights w;
    y = blocks[i].forward(y, weights ? &w : nullptr);
    if (weights) (*weights)[size_t(i)] = detail::plain_tensor(w);
  }
  return y;
}

}  // namespace atn
