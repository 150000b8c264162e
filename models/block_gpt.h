// BlockGPT: the two ends of models/gpt.h's GPT with the blocks left to a subclass, for the
// research models that swap the attention (NaturalGPT, AdaptiveSpanGPT):
//
//   logits = lm_head(ln_f(blocks(wte[idx] + wpe[0..T−1])))
//
// with the same names as GPT (transformer.wte, transformer.wpe, transformer.h.{i}.…,
// transformer.ln_f, lm_head tied to transformer.wte) and GPT-2's N(0, 0.02) init of the
// embeddings. No dropout and no KV cache: these models exist to be studied, not served.
//
// learned_positions = false leaves out wpe, for a model whose blocks encode positions
// themselves (RoPE in the attention, models/dat_lm.h): logits = lm_head(ln_f(blocks(wte[idx]))).
#pragma once
#include "models/language_model.h"
#include "models/transformer_block.h"

namespace atn {

struct BlockGPTSizes {
  int64_t vocab = 65, block = 64, d_model = 128;
  bool learned_positions = true;  // false: no transformer.wpe (the blocks add positions their own way)
};

class BlockGPT : public LanguageModel {
 public:
  int64_t vocab_size() const override { return sizes_.vocab; }
  int64_t block_size() const override { return sizes_.block; }
  bool learned_positions() const { return sizes_.learned_positions; }
  Var forward(const Tensor& idx) override { return head(run_blocks(embed(idx))); }

  // GPT's `transformer`, whose "h" the subclass adds (add_blocks).
  struct Transformer : Module {
    Transformer(const BlockGPTSizes& sizes, Rng& rng);
    void add_blocks(Module& h) { register_module("h", h); }
    // wpe is always built, but without learned_positions it is not registered (no parameter, not
    // in the state dict) and embed() never reads it.
    Embedding wte, wpe;
    LayerNormOptionalBias ln_f;
  };
  Transformer transformer;
  Linear lm_head;  // bias-free; its weight is transformer.wte.weight

 protected:
  // rng draws the embeddings' init (GPT-2: N(0, 0.02)); `who` names the model in errors.
  BlockGPT(const BlockGPTSizes& sizes, const std::string& who, Rng& rng);
  // The subclass's blocks, [B, T, d] → [B, T, d]. It calls add_blocks() in its constructor.
  virtual Var run_blocks(const Var& x) = 0;
  Var embed(const Tensor& idx);  // wte[idx] (+ wpe[0..T−1] with learned positions), idx checked
  Var head(const Var& x) { return lm_head(transformer.ln_f(x)); }

 private:
  BlockGPTSizes sizes_;
  std::string who_;
};

// Registers blocks as "0", "1", ... (torch.nn.ModuleList) for any block type.
template <class Block>
class ListOf : public Module {
 public:
  template <class Config>
  ListOf(int64_t n, const Config& config, Rng& rng) {
    for (int64_t i = 0; i < n; ++i) {
      items_.push_back(std::make_unique<Block>(config, rng));
      register_module(std::to_string(i), *items_.back());
    }
  }
  int64_t size() const { return int64_t(items_.size()); }
  Block& operator[](int64_t i) {
    if (i < 0 || i >= size()) fail("ListOf: item ", i, " out of range [0, ", size(), ")");
    return *items_[size_t(i)];
  }
  std::string type_name() const override { return "ModuleList"; }

 private:
  std::vector<std::unique_ptr<Block>> items_;  // on the heap: addresses stay put for the registry
};

}  // namespace atn
