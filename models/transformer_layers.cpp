#include "models/transformer_layers.h"

#include "autograd/ops_basic.h"

namespace atn {

namespace {

MultiHeadAttentionConfig attention_config(const TransformerLayerConfig& c, bool causal) {
  return {.d_model = c.d_model, .n_heads = c.n_heads, .dropout = c.dropout, .causal = causal};
}

// One residual sublayer, with the norm before (Pre) or after (Post) the residual sum.
template <class Sublayer>
Var residual(const Var& x, NormPosition where, LayerNorm& norm, Dropout& dropout, Sublayer sublayer) {
  if (where == NormPosition::Pre) return x + dropout(sublayer(norm(x)));
  return norm(x + dropout(sublayer(x)));
}

}  // namespace

TransformerEncoderLayer::TransformerEncoderLayer(const TransformerLayerConfig& c, Rng& rng)
    : config(c),
      self_attn(attention_config(c, /*causal=*/false), rng),
      ff(c.d_model, c.d_ff, rng, {.dropout = c.dropout}),
      norm1(c.d_model),
      norm2(c.d_model),
      dropout(c.dropout, rng) {
  register_module("self_attn", self_attn);
  register_module("ff", ff);
  register_module("norm1", norm1);
  register_module("norm2", norm2);
  register_module("dropout", dropout);
}

Var TransformerEncoderLayer::forward(const Var& x, const Tensor& src_mask) {
  Var h = residual(x, config.norm, norm1, dropout, [&](const Var& v) { return self_attn.forward(v, src_mask).output; });
  return residual(h, config.norm, norm2, dropout, [&](const Var& v) { return ff(v); });
}

TransformerDecoderLayer::TransformerDecoderLayer(const TransformerLayerConfig& c, Rng& rng)
    : config(c),
      self_attn(attention_config(c, /*causal=*/true), rng),
      cross_attn(attention_config(c, /*causal=*/false), rng),
      ff(c.d_model, c.d_ff, rng, {.dropout = c.dropout}),
      norm1(c.d_model),
      norm2(c.d_model),
      norm3(c.d_model),
      dropout(c.dropout, rng) {
  register_module("self_attn", self_attn);
  register_module("cross_attn", cross_attn);
  register_module("ff", ff);
  register_module("norm1", norm1);
  register_module("norm2", norm2);
  register_module("norm3", norm3);
  register_module("dropout", dropout);
}

DecoderLayerOutput TransformerDecoderLayer::forward(const Var& x, const Var& memory, const Tensor& src_mask,
                                                    bool need_weights) {
  // Target padding needs no mask of its own: padding sits at the end, and the causal mask
  // already keeps every real position from looking at later ones.
  Var h = residual(x, config.norm, norm1, dropout, [&](const Var& v) { return self_attn.forward(v).output; });
  Var weights;
  h = residual(h, config.norm, norm2, dropout, [&](const Var& v) {
    AttentionOutput a = cross_attn.forward(v, memory, src_mask, need_weights);
    weights = a.weights;
    return a.output;
  });
  h = residual(h, config.norm, norm3, dropout, [&](const Var& v) { return ff(v); });
  return {h, weights};
}

TransformerEncoder::TransformerEncoder(const TransformerLayerConfig& c, int64_t n_layers, Rng& rng) {
  if (n_layers < 1) fail("TransformerEncoder: n_layers must be >= 1, got ", n_layers);
  for (int64_t i = 0; i < n_layers; ++i) layers.add(std::make_unique<TransformerEncoderLayer>(c, rng));
  register_module("layers", layers);
  if (c.norm == NormPosition::Pre) {
    norm = std::make_unique<LayerNorm>(c.d_model);
    register_module("norm", *norm);
  }
}

Var TransformerEncoder::forward(const Var& x, const Tensor& src_mask) {
  Var h = x;
  for (size_t i = 0; i < layers.size(); ++i) h = layers[i].forward(h, src_mask);
  return norm ? (*norm)(h) : h;
}

TransformerDecoder::TransformerDecoder(const TransformerLayerConfig& c, int64_t n_layers, Rng& rng) {
  if (n_layers < 1) fail("TransformerDecoder: n_layers must be >= 1, got ", n_layers);
  for (int64_t i = 0; i < n_layers; ++i) layers.add(std::make_unique<TransformerDecoderLayer>(c, rng));
  register_module("layers", layers);
  if (c.norm == NormPosition::Pre) {
    norm = std::make_unique<LayerNorm>(c.d_model);
    register_module("norm", *norm);
  }
}

DecoderOutput TransformerDecoder::forward(const Var& x, const Var& memory, const Tensor& src_mask,
                                          bool need_weights) {
  DecoderOutput out{x, {}};
  for (size_t i = 0; i < layers.size(); ++i) {
    DecoderLayerOutput o = layers[i].forward(out.output, memory, src_mask, need_weights);
    out.output = o.output;
    if (need_weights) out.cross_weights.push_back(o.cross_weights);
  }
  if (norm) out.output = (*norm)(out.output);
  return out;
}

}  // namespace atn
