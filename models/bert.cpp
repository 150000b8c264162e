#include "models/bert.h"

#include <algorithm>
#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_math.h"
#include "autograd/ops_shape.h"
#include "nn/init.h"

namespace atn {

namespace {

const BertConfig& validated(const BertConfig& c) {
  if (c.vocab < 1 || c.max_len < 1 || c.n_layer < 1 || c.n_head < 1 || c.d_model < 1 || c.n_classes < 1)
    fail("Bert: vocab, max_len, n_layer, n_head, d_model and n_classes must be positive, got vocab=", c.vocab,
         " max_len=", c.max_len, " n_layer=", c.n_layer, " n_head=", c.n_head, " d_model=", c.d_model,
         " n_classes=", c.n_classes);
  return c;  // the blocks check n_head | d_model and the dropout
}

}  // namespace

MaskedBatch mask_tokens(const Tensor& ids, const MaskingOptions& o, Rng& rng) {
  if (ids.dim() != 2) fail("mask_tokens: ids must be [B, T], got ", to_string(ids.shape()));
  if (o.vocab < 1) fail("mask_tokens: options.vocab must be set (got ", o.vocab, ")");
  if (o.mask_id < 0 || o.mask_id >= o.vocab) fail("mask_tokens: mask_id ", o.mask_id, " is not in [0, ", o.vocab, ")");
  const bool probs_ok = o.select_prob >= 0 && o.select_prob <= 1 && o.mask_prob >= 0 && o.random_prob >= 0 &&
                        o.mask_prob + o.random_prob <= 1;
  if (!probs_ok)
    fail("mask_tokens: need select_prob in [0, 1] and mask_prob, random_prob >= 0 with sum <= 1, got ", o.select_prob,
         ", ", o.mask_prob, ", ", o.random_prob);
  MaskedBatch out{ids.clone(), Tensor(ids.shape(), real(MaskedBatch::kIgnore)), Tensor(ids.shape())};
  for (int64_t i = 0; i < ids.numel(); ++i) {
    const real id = ids[i];
    if (!(id >= 0 && id < real(o.vocab) && id == std::floor(id)))
      fail("mask_tokens: id ", id, " at position ", i, " is not a whole number in [0, ", o.vocab, ")");
    // Always three draws, so the stream does not depend on earlier outcomes.
    const real select = rng.uniform(), kind = rng.uniform();
    const int64_t random_token = int64_t(rng.below(uint64_t(o.vocab)));
    const bool protected_id = std::find(o.never_mask.begin(), o.never_mask.end(), int64_t(id)) != o.never_mask.end();
    if (protected_id || select >= o.select_prob) continue;
    out.targets[i] = id;
    out.chosen[i] = 1;
    if (kind < o.mask_prob) out.input[i] = real(o.mask_id);
    else if (kind < o.mask_prob + o.random_prob) out.input[i] = real(random_token);
  }
  return out;
}

Bert::Bert(const BertConfig& cfg, Rng& rng)
    : cfg_(validated(cfg)),
      dropout_rng_(0),
      tok_emb(cfg_.vocab, cfg_.d_model, dropout_rng_),
      pos_emb(cfg_.max_len, cfg_.d_model, dropout_rng_),
      drop(cfg_.dropout, dropout_rng_),
      h(cfg_.n_layer, {.d_model = cfg_.d_model, .n_head = cfg_.n_head, .dropout = cfg_.dropout, .bias = cfg_.bias},
        dropout_rng_),
      ln_f(cfg_.d_model, cfg_.bias),
      mlm_transform(cfg_.d_model, cfg_.d_model, dropout_rng_, cfg_.bias),
      mlm_ln(cfg_.d_model, cfg_.bias),
      pooler(cfg_.d_model, cfg_.d_model, dropout_rng_, cfg_.bias),
      classifier(cfg_.d_model, cfg_.n_classes, dropout_rng_, cfg_.bias) {
  register_module("tok_emb", tok_emb);
  register_module("pos_emb", pos_emb);
  register_module("drop", drop);
  register_module("h", h);
  register_module("ln_f", ln_f);
  register_module("mlm_transform", mlm_transform);
  register_module("mlm_ln", mlm_ln);
  register_parameter("mlm_bias", mlm_bias, Tensor::zeros({cfg_.vocab}));
  register_module("pooler", pooler);
  register_module("classifier", classifier);
  // The modules drew their throwaway default init from dropout_rng_; the real one comes from rng.
  init::normal(tok_emb.weight.value(), rng, 0, 0.02f);
  init::normal(pos_emb.weight.value(), rng, 0, 0.02f);
  for (int64_t i = 0; i < cfg_.n_layer; ++i) init_block_normal(h[i], rng, 0.02f, 0.02f);
  for (Linear* lin : {&mlm_transform, &pooler, &classifier}) {
    init::normal(lin->weight.value(), rng, 0, 0.02f);
    if (lin->bias.defined()) init::zeros(lin->bias.value());
  }
  dropout_rng_.seed_with(rng.next_u64());
}

Var Bert::encode(const Tensor& ids, const Tensor& pad_mask) {
  if (ids.dim() != 2 || ids.size(1) < 1) fail("Bert: ids must be [B, T] with T >= 1, got ", to_string(ids.shape()));
  const int64_t B = ids.size(0), T = ids.size(1);
  if (T > cfg_.max_len) fail("Bert: sequence of length ", T, " is longer than max_len ", cfg_.max_len);
  for (real id : ids)
    if (!(id >= 0 && id < real(cfg_.vocab) && id == std::floor(id)))
      fail("Bert: token id ", id, " is not a whole number in [0, ", cfg_.vocab, ")");
  Tensor attn_mask;
  if (pad_mask.defined()) {
    if (pad_mask.shape() != ids.shape())
      fail("Bert: pad_mask ", to_string(pad_mask.shape()), " does not match the ids ", to_string(ids.shape()));
    attn_mask = pad_mask.reshape({B, 1, 1, T});  // every query may look at the real tokens only
  }
  Var x = drop(tok_emb(ids) + pos_emb(Tensor::arange(T)));
  for (int64_t i = 0; i < cfg_.n_layer; ++i) x = h[i].forward(x, attn_mask);
  return ln_f(x);
}

Var Bert::mlm_logits(const Tensor& ids, const Tensor& pad_mask) {
  Var x = mlm_ln(gelu(mlm_transform(encode(ids, pad_mask))));
  return matmul(x, tok_emb.weight, false, true) + mlm_bias;  // the decoder is tok_emb, tied
}

Var Bert::mlm_loss(const MaskedBatch& batch, const Tensor& pad_mask) {
  if (batch.targets.shape() != batch.input.shape())
    fail("Bert::mlm_loss: targets ", to_string(batch.targets.shape()), " do not match the input ",
         to_string(batch.input.shape()));
  return cross_entropy(mlm_logits(batch.input, pad_mask), batch.targets, {.ignore_index = MaskedBatch::kIgnore});
}

Var Bert::classify(const Tensor& ids, const Tensor& pad_mask) {
  Var hidden = encode(ids, pad_mask);                 // [B, T, d]
  Var cls = squeeze(narrow(hidden, 1, 0, 1), 1);      // [B, d]: the [CLS] position
  return classifier(tanh(pooler(cls)));
}

Var Bert::classification_loss(const Tensor& ids, const Tensor& labels, const Tensor& pad_mask) {
  if (labels.dim() != 1 || labels.size(0) != ids.size(0))
    fail("Bert::classification_loss: labels must be [B] with B=", ids.size(0), ", got ", to_string(labels.shape()));
  return cross_entropy(classify(ids, pad_mask), labels);
}

}  // namespace atn
