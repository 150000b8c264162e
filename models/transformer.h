// The Transformer encoder–decoder of "Attention Is All You Need" (Vaswani et al. 2017), in the
// shape of the Annotated Transformer (Rush 2018; Huang et al. 2022):
//
//   encode:  memory = Encoder(√d · src_embed(src) + PE)             N encoder layers
//   decode:  h = Decoder(√d · tgt_embed(tgt_in) + PE, memory)       N decoder layers
//            logits = generator(h)                                   [B, T, tgt_vocab]
//
// (the layers: models/transformer_layers.h; PE: nn/positional.h's sinusoids). The embeddings
// are multiplied by √d_model (§3.4) so that they are not drowned by the positional encoding,
// whose entries are of order 1. Every matrix starts Xavier-uniform, as in the Annotated
// Transformer. Dropout (rate config.dropout) follows each embedding-plus-position sum and each
// sublayer and acts on the attention weights.
//
// Training uses teacher forcing: the decoder reads the target shifted right (decoder_input and
// make_seq2seq_batch in data/batch.h), its self-attention is causal, so position t predicts tgt[t] having
// seen only bos, tgt[0 … t−1]. src_mask [B, S] (1 = real token, 0 = padding; data/batch.h's
// PaddedBatch::mask) hides padded source positions from every self- and cross-attention; an
// undefined src_mask means no padding. The loss ignores target positions holding config.pad and
// can smooth the labels as the Annotated Transformer does (autograd/ops_loss.h).
//
// Parameter names: src_embed.weight, tgt_embed.weight, encoder.layers.{i}.*, decoder.layers.{i}.*
// (see transformer_layers.h), encoder.norm.* and decoder.norm.* (pre-norm only), generator.*.
#pragma once
#include "models/beam_search.h"
#include "models/seq2seq_common.h"
#include "models/transformer_layers.h"
#include "nn/embedding.h"
#include "nn/positional.h"

namespace atn {

struct TransformerConfig {
  int64_t src_vocab = 11;
  int64_t tgt_vocab = 11;
  int64_t d_model = 512;  // the paper's base model: d 512, 8 heads, d_ff 2048, 6 + 6 layers
  int64_t n_heads = 8;
  int64_t d_ff = 2048;
  int64_t n_layers = 6;  // in the encoder, and as many in the decoder
  real dropout = 0.1f;
  NormPosition norm = NormPosition::Post;
  int64_t max_len = 512;       // longest sequence the positional table covers
  int64_t pad = 0;             // target id ignored by the loss
  real label_smoothing = 0;    // ε of the Annotated Transformer's LabelSmoothing (pad gets nothing)
};

struct TransformerOutput {
  Var logits;  // [B, T, tgt_vocab]
  // If asked for: every decoder layer's cross-attention weights [B, n_heads, T, S], first layer
  // first. Row t shows which source positions target position t read.
  std::vector<Var> cross_weights;
};

class Transformer : public Module {
 public:
  // rng initializes the weights and, if dropout > 0, draws the dropout masks: it is kept by
  // reference and must then outlive the model.
  Transformer(const TransformerConfig& config, Rng& rng);

  // src [B, S] → memory [B, S, d_model].
  Var encode(const Tensor& src, const Tensor& src_mask = Tensor());
  // tgt_in [B, T] (bos first) and the memory of its source → logits for every position.
  TransformerOutput decode(const Var& memory, const Tensor& src_mask, const Tensor& tgt_in, bool need_weights = false);
  TransformerOutput forward(const Tensor& src, const Tensor& src_mask, const Tensor& tgt_in,
                            bool need_weights = false);
  // Mean cross-entropy against tgt_out [B, T] (the target itself; pad positions ignored), with
  // the configured label smoothing.
  Var loss(const Tensor& src, const Tensor& src_mask, const Tensor& tgt_in, const Tensor& tgt_out);

  // Feeds back its own argmax, from bos, for at most max_len tokens or until eos (eos < 0: never
  // stops early); the whole batch at once. Runs under NoGrad and in eval mode (no dropout),
  // and restores the previous mode.
  Seq2SeqDecoded greedy_decode(const Tensor& src, const Tensor& src_mask, int64_t bos, int64_t eos,
                               int64_t max_len);
  // Beam search (models/beam_search.h) for one source sequence, best hypothesis first.
  std::vector<Hypothesis> beam_decode(const std::vector<int64_t>& src, const BeamSearchOptions& options);

  std::string type_name() const override { return "Transformer"; }

  const TransformerConfig config;
  Embedding src_embed, tgt_embed;
  SinusoidalPositionalEncoding positions;
  Dropout dropout;
  TransformerEncoder encoder;
  TransformerDecoder decoder;
  Linear generator;

 private:
  // √d · embed(ids) + PE, then dropout.
  Var embed(Embedding& table, const Tensor& ids);
};

}  // namespace atn
