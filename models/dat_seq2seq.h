// DATSeq2Seq: the Dual Attention Transformer encoder–decoder (Altabaa & Lafferty,
// arXiv:2405.16727; upstream seq2seq_models.py; specs/dual-attention.md), rebuilt from its
// description:
//
//   memory = enc_norm(encoder blocks(√d · src_embed[src] + PE))        non-causal DATBlocks
//   y      = dec_norm(decoder blocks(√d · tgt_embed[tgt] + PE, memory))
//   logits = head(y)                                                   Linear(d → tgt_vocab)
//
// PE: the fixed sinusoids (nn/positional.h), added after scaling the embeddings by √d as in
// Vaswani et al. A decoder block: causal dual attention, then cross-attention to the memory
// (MultiHeadAttention with n_heads_sa + n_heads_ra heads, no biases), then the FF; pre-norm
// (x += sub(norm(x))) or post-norm (x = norm(x + sub(x))). One symbol retriever serves every
// encoder and decoder block, recomputed from each block's input. The blocks and the retriever are
// initialized as DATLM's (init_dat_block, depth = encoder + decoder layers), the embeddings and the
// head N(0, 0.02); the cross-attention keeps PyTorch's default Linear init (the spec gives none).
//
// Upstream bugs fixed: upstream builds the decoder with the encoder's depth and ignores its flag
// for tying the target embedding with the head; here n_layers_dec and tie_embeddings are honoured.
#pragma once
#include <memory>
#include <vector>

#include "models/dat_lm.h"
#include "nn/attention/multi_head.h"
#include "nn/positional.h"

namespace atn {

struct DATSeq2SeqConfig {
  int64_t src_vocab = 32, tgt_vocab = 32, max_len = 64;
  int64_t n_layers_enc = 2, n_layers_dec = 2;
  DATConfig block{};            // d_model, heads, symbols, post_norm, swiglu (its vocab, block, n_layer unused)
  bool tie_embeddings = false;  // head weight = tgt_embed weight
};

// DATBlock without the causal mask (ListOf builds blocks from (config, rng)).
class DATEncoderBlock : public DATBlock {
 public:
  DATEncoderBlock(const DATConfig& config, Rng& rng) : DATBlock(config, rng, false) {}
  std::string type_name() const override { return "DATEncoderBlock"; }
};

class DATDecoderBlock : public Module {
 public:
  DATDecoderBlock(const DATConfig& config, Rng& rng);
  Var forward(const Var& x, const Var& memory, const Var& symbols);
  std::string type_name() const override { return "DATDecoderBlock"; }

  bool post_norm;
  DATBlock self_block;  // norm1, causal dual_attn, norm2, ff (its forward is not used)
  LayerNormOptionalBias norm_cross;
  MultiHeadAttention cross_attn;
};

class DATSeq2Seq : public Module {
 public:
  DATSeq2Seq(const DATSeq2SeqConfig& config, Rng& rng);
  Var encode(const Tensor& src);                     // src [B, S] → memory [B, S, d]
  Var decode(const Tensor& tgt, const Var& memory);  // tgt [B, T] → logits [B, T, tgt_vocab]
  Var forward(const Tensor& src, const Tensor& tgt) { return decode(tgt, encode(src)); }
  std::string type_name() const override { return "DATSeq2Seq"; }

  const DATSeq2SeqConfig& config() const { return cfg_; }
  int64_t n_encoder_blocks() const { return encoder.size(); }
  int64_t n_decoder_blocks() const { return decoder.size(); }

 private:
  Var embed(Embedding& table, const Tensor& ids, int64_t vocab, const char* what);
  DATSeq2SeqConfig cfg_;

 public:
  Embedding src_embed, tgt_embed;
  SinusoidalPositionalEncoding positions;
  LayerNormOptionalBias enc_norm, dec_norm;
  ListOf<DATEncoderBlock> encoder;
  ListOf<DATDecoderBlock> decoder;
  Linear head;

 private:
  std::unique_ptr<SymbolRetriever> retriever_;
};

}  // namespace atn
