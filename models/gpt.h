// GPT: a decoder-only Transformer language model with nanoGPT's structure and parameter names
// (Karpathy's nanoGPT, model.py; GPT-2, Radford et al. 2019), so a state dict moves between the
// two without renaming:
//
//   transformer.wte.weight [V, d]       token embedding, TIED to lm_head.weight (one parameter)
//   transformer.wpe.weight [block, d]   learned positions
//   transformer.h.{i}.ln_1 / attn.c_attn [3d, d] (rows q|k|v) / attn.c_proj / ln_2 / mlp.c_fc / mlp.c_proj
//   transformer.ln_f                    final LayerNorm
//   lm_head.weight [V, d]               logits = ln_f(x) · wteᵀ
//
//   logits = lm_head(ln_f(blocks(drop(wte[idx] + wpe[0..T−1]))))
//
// Pre-norm blocks (models/transformer_block.h), exact GELU, LayerNorm eps 1e-5, causal fused
// attention, optional biases, dropout on embeddings, attention weights and residual branches.
//
// Tying: lm_head.weight IS transformer.wte.weight (Press & Wolf 2017). named_parameters() lists
// it once (as transformer.wte.weight, as PyTorch does), so an optimizer updates it once with the
// sum of both uses' gradients; state_dict() and save() carry both names, as nanoGPT's state dict.
//
// State-dict versions: nanoGPT on torch ≥ 2 (flash attention) has exactly the names above. On
// torch < 2 each attention also registers its causal mask as a buffer
// "transformer.h.{i}.attn.bias" [1, 1, block, block]; nanogpt_state_dict(true) adds those so a
// strict load_state_dict succeeds there too, and load_nanogpt_state_dict() accepts either form.
#pragma once
#include <memory>
#include <vector>

#include "models/language_model.h"
#include "models/transformer_block.h"
#include "nn/embedding.h"
#include "tensor/rng.h"

namespace atn {

struct GPTConfig {
  int64_t vocab = 65, block = 64, n_layer = 4, n_head = 4, d_model = 128;
  real dropout = 0;
  bool bias = true;
};

class GPT : public LanguageModel {
 public:
  // nanoGPT's init. rng is used here only; the dropout masks come from an Rng of the model's
  // own (dropout_rng()), seeded from rng, so the model never refers to the caller's Rng.
  explicit GPT(const GPTConfig& cfg, Rng& rng);
  const GPTConfig& config() const { return cfg_; }
  int64_t vocab_size() const override { return cfg_.vocab; }
  int64_t block_size() const override { return cfg_.block; }

  Var forward(const Tensor& idx) override;             // idx [B, T], T ≤ block → logits [B, T, V]
  // The same, also filling attention_weights with one [B, n_head, T, T] tensor per layer (the
  // softmax before dropout; rows sum to 1, zero above the diagonal), for plots.
  Var forward(const Tensor& idx, std::vector<Tensor>* attention_weights);
  // The next positions of sequences whose earlier positions are in `cache` (one entry per
  // layer): idx_new [B, T_new] sits at positions past … past + T_new − 1, past = cache.length().
  // past + T_new must stay ≤ block. Same logits as forward on the whole sequence.
  Var forward_cached(const Tensor& idx_new, KVCache& cache);

  // Continues `prompt` by n_new tokens, sampling one at a time (under NoGrad, in eval mode; the
  // previous mode is restored). The context is cropped to the last `block` tokens as in nanoGPT.
  // With the KV cache each step feeds only the new token; once the sequence is longer than
  // block the positions of the cropped window shift, the cache no longer applies, and each step
  // recomputes the window. Same tokens with and without the cache for the same Rng state.
  // Returns prompt followed by the new tokens.
  std::vector<int64_t> generate(const std::vector<int64_t>& prompt, int64_t n_new, const GenerateOptions& options,
                                Rng& rng) override;

  // The state dict nanoGPT's GPT expects: both tied names, and with include_causal_mask_buffers
  // the torch < 2 buffers transformer.h.{i}.attn.bias = tril(ones) [1, 1, block, block].
  StateDict nanogpt_state_dict(bool include_causal_mask_buffers = false) const;
  // Loads a state dict from nanoGPT: the torch < 2 mask buffers, if present, are checked (shape)
  // and skipped; everything else must match exactly (names, shapes; tied names agree).
  void load_nanogpt_state_dict(const StateDict& state);
  // The same as safetensors files: what `atencion export` writes for PyTorch, and reads back.
  void save_nanogpt(const std::string& path, bool include_causal_mask_buffers = false) const;
  void load_nanogpt(const std::string& path);

  Rng& dropout_rng() { return dropout_rng_; }  // its state() belongs in a checkpoint
  std::string type_name() const override { return "GPT"; }

 private:
  GPTConfig cfg_;
  Rng dropout_rng_;  // declared before the modules that keep a reference to it

 public:
  // nanoGPT's `transformer` ModuleDict.
  struct Transformer : Module {
    Transformer(const GPTConfig& cfg, Rng& dropout_rng);
    Embedding wte, wpe;
    Dropout drop;
    BlockList h;
    LayerNormOptionalBias ln_f;
  };
  Transformer transformer;
  Linear lm_head;  // bias-free; its weight is transformer.wte.weight

 private:
  Var embed(const Tensor& idx, int64_t past);
  Var head(Var x);
};

}  // namespace atn
