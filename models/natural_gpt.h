// NaturalGPT: the GPT of the "natural attention" project (specs/natural-attention.md), rebuilt
// from its description. GPT's embeddings, final LayerNorm and tied head (models/block_gpt.h),
// with blocks whose attention keeps its energies E = QKᵀ/√d_h (nn/attention/natural_attention.h):
//
//   x ← x + NaturalAttention(ln_1(x));   x ← x + MLP(ln_2(x))     MLP: d → 4d, exact GELU, 4d → d
//
// LayerNorm eps 1e-5, biases everywhere, no dropout (upstream's GPT2NaturalAttentionBlock).
// After each forward pass every block makes its energies [B, H, T, T] available to EVERY
// parameter of the block (both LayerNorms, wq/wk/wv/wo, both MLP Linears): energy_groups() gives
// one group per block for AttentionInformedAdamW (optim/attention_informed.h); the embeddings,
// ln_f and the tied head are ungrouped and get no gain, as upstream.
//
// Causal by default (the mask is added before E is stored; masked entries are −inf). `leaky`
// drops the mask as upstream does, to show how its model saw the token it had to predict.
// Init: upstream's blocks keep PyTorch's default Linear init; `gpt2_init` gives them GPT-2's
// N(0, 0.02) (residual projections N(0, 0.02/√(2L))) instead, for a fair comparison with GPT.
#pragma once
#include <vector>

#include "models/block_gpt.h"
#include "models/pre_norm_attention_block.h"
#include "nn/attention/natural_attention.h"
#include "optim/attention_informed.h"

namespace atn {

struct NaturalGPTConfig {
  int64_t vocab = 65, block = 64, n_layer = 4, n_head = 4, d_model = 128;
  bool leaky = false;      // no causal mask (upstream's bug, for the lesson)
  bool gpt2_init = false;  // GPT-2's init of the block Linears instead of PyTorch's default
};

// ln_1, attn (NaturalAttention), ln_2, mlp; forward's weights: the attention A [B, H, T, T] on the tape.
class NaturalBlock : public PreNormAttentionBlock<NaturalAttention, Var> {
 public:
  NaturalBlock(const NaturalGPTConfig& config, Rng& rng);
  std::string type_name() const override { return "NaturalBlock"; }
};

class NaturalGPT : public BlockGPT {
 public:
  NaturalGPT(const NaturalGPTConfig& config, Rng& rng);
  const NaturalGPTConfig& config() const { return cfg_; }
  using BlockGPT::forward;
  // Also fills `weights` with each block's attention [B, H, T, T] (plain tensors, for plots).
  Var forward(const Tensor& idx, std::vector<Tensor>* weights);
  std::string type_name() const override { return "NaturalGPT"; }

  NaturalBlock& block(int64_t i) { return h[i]; }
  // One group per block, "transformer.h.{i}": all its parameters and its energy source (which
  // refers to this model: it must outlive the optimizer).
  std::vector<EnergyGroup> energy_groups();
  // The parameters in no group: embeddings (the tied head with them) and ln_f.
  std::vector<Var> ungrouped_parameters();

 private:
  Var run_blocks(const Var& x) override;
  NaturalGPTConfig cfg_;
  ListOf<NaturalBlock> h;
};

}  // namespace atn
