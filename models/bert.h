// A BERT-style encoder (Devlin et al. 2019): bidirectional self-attention over the whole
// sequence, trained by masked language modelling, with a [CLS] classification head.
//
//   h       = ln_f(blocks(drop(tok_emb[ids] + pos_emb[0..T−1])))        [B, T, d]
//   MLM     = LayerNorm(GELU(h W_tᵀ + b_t)) · tok_embᵀ + mlm_bias          [B, T, V]
//   classes = classifier(tanh(pooler(h[:, 0])))                          [B, n_classes]
//
// The blocks are the same pre-norm blocks as GPT's (models/transformer_block.h) without the
// causal mask; the original BERT is post-norm. A padding mask [B, T] (1 = token, 0 = pad) keeps
// every query from attending to padding. The MLM decoder is tied to the token embedding, as in
// BERT. Segment (token-type) embeddings and next-sentence prediction are left out.
//
// Parameter names: tok_emb, pos_emb, h.{i}.(ln_1|attn.c_attn|attn.c_proj|ln_2|mlp.c_fc|mlp.c_proj),
// ln_f, mlm_transform, mlm_ln, mlm_bias, pooler, classifier.
//
// Masking (BERT §3.1): each maskable position is chosen with probability 15 %; a chosen one
// becomes [mask] with probability 80 %, a uniformly random token with 10 %, and stays as it is
// with 10 %. The loss is computed on the chosen positions only.
#pragma once
#include <vector>

#include "models/transformer_block.h"
#include "nn/embedding.h"

namespace atn {

struct BertConfig {
  int64_t vocab = 100, max_len = 64, n_layer = 2, n_head = 4, d_model = 64;
  int64_t n_classes = 2;
  real dropout = 0;
  bool bias = true;
};

struct MaskingOptions {
  int64_t mask_id = 4;  // data/word_tokenizer.h's [mask]
  int64_t vocab = 0;    // random replacements are drawn from [0, vocab); must be set
  real select_prob = 0.15f;
  real mask_prob = 0.8f;    // of the chosen: → [mask]
  real random_prob = 0.1f;  // of the chosen: → a random token (the rest stay unchanged)
  std::vector<int64_t> never_mask{0, 1, 2};  // ids never chosen: [pad], [bos]/[CLS], [eos]
};

struct MaskedBatch {
  Tensor input;    // [B, T]: the ids after masking
  Tensor targets;  // [B, T]: the original id where chosen, kIgnore elsewhere
  Tensor chosen;   // [B, T]: 1 where chosen, 0 elsewhere
  static constexpr int64_t kIgnore = -100;
};

// Draws the masking of ids [B, T] (three draws per position, in row-major order, so the same Rng
// state gives the same batch).
MaskedBatch mask_tokens(const Tensor& ids, const MaskingOptions& options, Rng& rng);

class Bert : public Module {
 public:
  // N(0, 0.02) for embeddings and Linear weights, zero biases (BERT's init, untruncated).
  // rng is used here only; dropout masks come from an Rng of the model's own.
  Bert(const BertConfig& cfg, Rng& rng);
  const BertConfig& config() const { return cfg_; }

  // ids [B, T] (T ≤ max_len); pad_mask [B, T] with 1 = real token, 0 = padding, or undefined.
  Var encode(const Tensor& ids, const Tensor& pad_mask = Tensor());
  Var mlm_logits(const Tensor& ids, const Tensor& pad_mask = Tensor());  // [B, T, V]
  // Mean cross-entropy over the chosen positions of a masked batch.
  Var mlm_loss(const MaskedBatch& batch, const Tensor& pad_mask = Tensor());
  Var classify(const Tensor& ids, const Tensor& pad_mask = Tensor());  // [B, n_classes], from position 0
  Var classification_loss(const Tensor& ids, const Tensor& labels, const Tensor& pad_mask = Tensor());

  Rng& dropout_rng() { return dropout_rng_; }
  std::string type_name() const override { return "Bert"; }

 private:
  BertConfig cfg_;
  Rng dropout_rng_;

 public:
  Embedding tok_emb, pos_emb;
  Dropout drop;
  BlockList h;
  LayerNormOptionalBias ln_f;
  Linear mlm_transform;
  LayerNormOptionalBias mlm_ln;
  Var mlm_bias;  // [V]
  Linear pooler, classifier;
};

}  // namespace atn
