// DATLM: the Dual Attention Transformer language model (Altabaa & Lafferty, arXiv:2405.16727;
// upstream package dual_attention, language_models.py; specs/dual-attention.md), rebuilt from its
// description. GPT's two ends (models/block_gpt.h: token embedding tied with the head, learned
// absolute positions, final LayerNorm) around causal dual-attention blocks:
//
//   pre-norm:   x ← x + DA(norm1(x), s);   x ← x + FF(norm2(x))
//   post-norm:  x ← norm1(x + DA(x, s));   x ← norm2(x + FF(x))
//
// DA = concat(SA, RA) with n_sa self-attention heads and n_ra relational heads, head_dim =
// d/(n_sa + n_ra) (nn/attention/dual_attention.h). FF is d → dff → d with exact GELU (dff = 4d),
// or SwiGLU (dff = ⌊8d/3⌋, no biases). The symbols s come from ONE retriever shared by all layers
// (nn/attention/symbol_retrieval.h) and are recomputed in every block from that block's input x,
// before any normalization: symbolic attention by default, learned absolute positions, or
// position-relative symbols (RA then works on offsets). With n_ra = 0 there is no retriever and
// no RA: each block is a plain causal self-attention block.
//
// Positions (the spec: "learned absolute positions or RoPE"): learned absolute positions
// transformer.wpe added to the token embeddings, or with `rope` none at all: every block rotates
// the attention queries and keys of both branches by their positions (nn/rope.h), so α depends on
// positions only through the offset j − i. RoPE touches only the attention q and k: RA's relation
// projections W_q^rel, W_k^rel and the symbols are not rotated (relations compare contents, not
// places; position enters RA through the symbols when they are positional or relative).
//
// Init (the spec; upstream's _init_weights): every Linear and Embedding weight N(0, 0.02), W_r
// too, biases 0; the output projections of both attention branches (W_o) and the FF output
// N(0, 0.02/√(2·n_layer)) so the residual stream does not grow with depth. Symbolic attention's
// templates F and library S keep their N(0, 1) and the relative table its Xavier init (they are
// bare parameters upstream, not Linear or Embedding modules). LayerNorms: ones and zeros.
// No dropout and no KV cache (models/block_gpt.h).
//
// Names: transformer.wte/wpe/ln_f as GPT (no wpe with rope); transformer.h.{i}.{norm1, dual_attn, norm2, ff};
// symbol_retriever.* (absent with n_ra = 0).
//
// Upstream bugs: the spec lists none for the language model (its two, the ignored decoder depth
// and tying flag, are in the seq2seq model).
#pragma once
#include <memory>

#include "models/block_gpt.h"
#include "nn/attention/dual_attention.h"
#include "nn/attention/symbol_retrieval.h"
#include "nn/feed_forward.h"

namespace atn {

enum class DATSymbols { symbolic, positional, relative };

struct DATConfig {
  int64_t vocab = 65, block = 64, n_layer = 4, d_model = 128;
  int64_t n_heads_sa = 2, n_heads_ra = 2;  // head_dim = d_model / (n_heads_sa + n_heads_ra)
  int64_t n_relations = 0;                 // n_r; 0 means n_heads_ra
  DATSymbols symbols = DATSymbols::symbolic;
  int64_t n_symbols = 0;     // symbolic: N_s; 0 means block
  int64_t symbol_heads = 1;  // symbolic: H_s, must divide d_model
  int64_t max_rel_pos = 0;   // relative: m, offsets clipped to [−m, m]; 0 means block − 1
  bool post_norm = false;    // norm after the residual sum (the original Transformer's order)
  bool swiglu = false;       // SwiGLU FF with dff = ⌊8d/3⌋ instead of GELU with 4d
  bool rope = false;         // RoPE on the attention q and k (even head_dim) instead of learned positions
};

const char* dat_symbols_name(DATSymbols s);  // "symbolic", "positional", "relative"
// The inverse; atn::Error naming `who` for another name.
DATSymbols dat_symbols_from_name(const std::string& name, const std::string& who);

class DATBlock : public Module {
 public:
  // causal = false: the encoder block of models/dat_seq2seq.h (every token sees every token).
  DATBlock(const DATConfig& config, Rng& rng, bool causal = true);
  // x [B, T, d], symbols from the shared retriever (undefined when n_ra = 0) → [B, T, d].
  Var forward(const Var& x, const Var& symbols, DualAttentionWeights* weights = nullptr);
  std::string type_name() const override { return "DATBlock"; }

  bool post_norm;
  LayerNormOptionalBias norm1;
  DualAttention dual_attn;
  LayerNormOptionalBias norm2;
  FeedForward ff;
};

// The spec's init of a block (see above), n_layers being the depth that scales the residual std.
void init_dat_block(DATBlock& block, Rng& rng, int64_t n_layers);
// The retriever config.symbols names (null when n_heads_ra = 0), and its init as in DATLM.
std::unique_ptr<SymbolRetriever> make_dat_retriever(const DATConfig& config, Rng& rng);
void init_dat_retriever(SymbolRetriever* retriever, Rng& rng);
// config with its defaults resolved (n_symbols, max_rel_pos), or atn::Error naming what is wrong.
DATConfig validated_dat_config(DATConfig config, const std::string& who);

class DATLM : public BlockGPT {
 public:
  DATLM(const DATConfig& config, Rng& rng);
  const DATConfig& config() const { return cfg_; }
  using BlockGPT::forward;
  // Also fills `weights` with each block's attention (SA, RA and relations), for plots.
  Var forward(const Tensor& idx, std::vector<DualAttentionWeights>* weights);
  std::string type_name() const override { return "DATLM"; }

  DATBlock& block(int64_t i) { return h[i]; }
  SymbolRetriever* symbol_retriever() { return retriever_.get(); }  // null when n_ra = 0

 private:
  Var run_blocks(const Var& x) override { return run(x, nullptr); }
  Var run(const Var& x, std::vector<DualAttentionWeights>* weights);
  DATConfig cfg_;
  ListOf<DATBlock> h;
  std::unique_ptr<SymbolRetriever> retriever_;
};

}  // namespace atn
