// AdaptiveSpanGPT: a character GPT whose heads learn how far back they look (Sukhbaatar et al.,
// "Adaptive Attention Span in Transformers", ACL 2019; specs/adaptive-span.md). GPT's embeddings,
// final LayerNorm and tied head (models/block_gpt.h) around pre-norm blocks
//
//   x ← x + AdaptiveSpanAttention(ln_1(x));   x ← x + MLP(ln_2(x))    MLP: d → 4d, GELU, 4d → d
//
// (nn/attention/adaptive_span.h: per-head span z_h = c_h·S, soft mask m(x) over the distance to
// the key, ramp R, keys beyond the band never read).
//
//   training_loss = cross-entropy + Σ_layers λ·S·mean_h(c_h)      (the L1 span loss: minimized)
//   loss          = cross-entropy                                 (what evaluation reports)
//   after_update(): c ← clamp(c, 0, 1) in every layer
//
// The paper's model is causal with a Transformer-XL cache; ours is the causal GPT variant the spec
// describes (query i attends to keys j ≤ i at distance i − j). Init as GPT-2: Linear weights
// N(0, 0.02), the residual projections (attn.wo, mlp.c_proj) N(0, 0.02/√(2L)), biases zero.
#pragma once
#include <vector>

#include "models/block_gpt.h"
#include "models/pre_norm_attention_block.h"
#include "nn/attention/adaptive_span.h"

namespace atn {

struct AdaptiveSpanGPTConfig {
  int64_t vocab = 65, block = 64, n_layer = 4, n_head = 4, d_model = 128;
  int64_t max_span = 0;    // S in tokens; 0: the block size
  int64_t ramp = 32;       // R in tokens
  real span_init = 0;      // initial c_h (the paper starts at 0)
  real span_loss = 2e-6f;  // λ (upstream's value for small character models)
};

// ln_1, attn (AdaptiveSpanAttention), ln_2, mlp; forward's weights: a' [B, H, T, T], for plots.
class AdaptiveSpanBlock : public PreNormAttentionBlock<AdaptiveSpanAttention, Tensor> {
 public:
  AdaptiveSpanBlock(const AdaptiveSpanGPTConfig& config, Rng& rng);
  std::string type_name() const override { return "AdaptiveSpanBlock"; }
};

class AdaptiveSpanGPT : public BlockGPT {
 public:
  AdaptiveSpanGPT(const AdaptiveSpanGPTConfig& config, Rng& rng);
  const AdaptiveSpanGPTConfig& config() const { return cfg_; }  // max_span filled in
  using BlockGPT::forward;
  // Also fills `weights` with each layer's renormalized attention [B, H, T, T] (for plots).
  Var forward(const Tensor& idx, std::vector<Tensor>* weights);
  Var training_loss(const Tensor& idx, const Tensor& targets) override;
  void after_update() override;
  std::string type_name() const override { return "AdaptiveSpanGPT"; }

  AdaptiveSpanBlock& block(int64_t i) { return h[i]; }
  int64_t n_layer() const { return h.size(); }
  Var span_loss();              // Σ_layers λ·S·mean_h(c_h), a scalar on the tape
  std::vector<Tensor> spans();  // z_h = c_h·S per layer, each [H]
  // Query–key pairs scored per sequence of length T, summed over the layers (the cost the span
  // saves): query i of layer l reads min(i + 1, W_l) keys, W_l = that layer's window(T).
  int64_t keys_read(int64_t T);

 private:
  Var run_blocks(const Var& x) override;
  AdaptiveSpanGPTConfig cfg_;
  ListOf<AdaptiveSpanBlock> h;
};

}  // namespace atn
