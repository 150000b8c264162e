#include "models/transformer.h"

#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_shape.h"
#include "nn/attention/masks.h"
#include "nn/init.h"
#include "tensor/reduce.h"
#include "tensor/shape_ops.h"
#include "tensor/softmax.h"

namespace atn {

namespace {

const TransformerConfig& validated(const TransformerConfig& c) {
  if (c.src_vocab < 1 || c.tgt_vocab < 1 || c.d_model < 1 || c.d_ff < 1 || c.n_layers < 1 || c.max_len < 1)
    fail("Transformer: need src_vocab, tgt_vocab, d_model, d_ff, n_layers, max_len >= 1, got src_vocab=", c.src_vocab,
         " tgt_vocab=", c.tgt_vocab, " d_model=", c.d_model, " d_ff=", c.d_ff, " n_layers=", c.n_layers,
         " max_len=", c.max_len);
  if (!(c.label_smoothing >= 0 && c.label_smoothing <= 1))
    fail("Transformer: label_smoothing must be in [0, 1], got ", c.label_smoothing);
  return c;
}

TransformerLayerConfig layer_config(const TransformerConfig& c) {
  return {.d_model = c.d_model, .n_heads = c.n_heads, .d_ff = c.d_ff, .dropout = c.dropout, .norm = c.norm};
}

// The [B, 1, 1, S] form that broadcasts over every head and query, or undefined for no padding.
Tensor attention_mask(const Tensor& src_mask) { return src_mask.defined() ? padding_mask(src_mask) : Tensor(); }

// Puts a module back in the mode it had (decoding switches to eval).
struct ModeRestorer {
  Module& m;
  bool was_training;
  ~ModeRestorer() { m.train(was_training); }
};

}  // namespace

Transformer::Transformer(const TransformerConfig& c, Rng& rng)
    : config(validated(c)),
      src_embed(c.src_vocab, c.d_model, rng),
      tgt_embed(c.tgt_vocab, c.d_model, rng),
      positions(c.d_model, c.max_len),
      dropout(c.dropout, rng),
      encoder(layer_config(c), c.n_layers, rng),
      decoder(layer_config(c), c.n_layers, rng),
      generator(c.d_model, c.tgt_vocab, rng) {
  register_module("src_embed", src_embed);
  register_module("tgt_embed", tgt_embed);
  register_module("positions", positions);
  register_module("dropout", dropout);
  register_module("encoder", encoder);
  register_module("decoder", decoder);
  register_module("generator", generator);
  // The Annotated Transformer's init: Xavier-uniform for every matrix (biases and norms keep
  // their defaults). It keeps the √d-scaled embeddings of order 1, like the positions.
  for (auto& [name, p] : named_parameters())
    if (p.dim() > 1) init::xavier_uniform(p.value(), rng);
}

Var Transformer::embed(Embedding& table, const Tensor& ids) {
  return dropout(positions(table(ids) * real(std::sqrt(double(config.d_model)))));
}

Var Transformer::encode(const Tensor& src, const Tensor& src_mask) {
  check_token_batch("Transformer::encode", "src", src, src_mask);
  return encoder.forward(embed(src_embed, src), attention_mask(src_mask));
}

TransformerOutput Transformer::decode(const Var& memory, const Tensor& src_mask, const Tensor& tgt_in,
                                      bool need_weights) {
  check_token_batch("Transformer::decode", "tgt_in", tgt_in);
  if (memory.dim() != 3 || memory.size(0) != tgt_in.size(0) || memory.size(2) != config.d_model)
    fail("Transformer::decode: memory ", to_string(memory.shape()), " is not [B, S, d_model] with B=",
         tgt_in.size(0), " (from tgt_in ", to_string(tgt_in.shape()), ") and d_model=", config.d_model);
  if (src_mask.defined() && (src_mask.dim() != 2 || src_mask.size(0) != memory.size(0) ||
                             src_mask.size(1) != memory.size(1)))
    fail("Transformer::decode: src_mask ", to_string(src_mask.shape()), " is not [B, S] like the memory ",
         to_string(memory.shape()));
  DecoderOutput d = decoder.forward(embed(tgt_embed, tgt_in), memory, attention_mask(src_mask), need_weights);
  return {generator(d.output), std::move(d.cross_weights)};
}

TransformerOutput Transformer::forward(const Tensor& src, const Tensor& src_mask, const Tensor& tgt_in,
                                       bool need_weights) {
  check_token_batch("Transformer::forward", "src", src, src_mask);
  check_token_batch("Transformer::forward", "tgt_in", tgt_in);
  if (tgt_in.size(0) != src.size(0))
    fail("Transformer::forward: tgt_in ", to_string(tgt_in.shape()), " and src ", to_string(src.shape()),
         " have different batch sizes");
  return decode(encode(src, src_mask), src_mask, tgt_in, need_weights);
}

Var Transformer::loss(const Tensor& src, const Tensor& src_mask, const Tensor& tgt_in, const Tensor& tgt_out) {
  if (tgt_out.shape() != tgt_in.shape())
    fail("Transformer::loss: tgt_out ", to_string(tgt_out.shape()), " is not shaped like tgt_in ",
         to_string(tgt_in.shape()));
  CrossEntropyOptions options{.ignore_index = config.pad};
  if (config.label_smoothing > 0) {
    options.label_smoothing = config.label_smoothing;
    options.smoothing_style = SmoothingStyle::annotated_transformer;
  }
  return cross_entropy(forward(src, src_mask, tgt_in).logits, tgt_out, options);
}

Seq2SeqDecoded Transformer::greedy_decode(const Tensor& src, const Tensor& src_mask, int64_t bos, int64_t eos,
                                          int64_t max_len) {
  if (max_len < 0) fail("Transformer::greedy_decode: max_len must be >= 0, got ", max_len);
  if (bos < 0 || bos >= config.tgt_vocab)
    fail("Transformer::greedy_decode: bos=", bos, " is not a target id in [0, ", config.tgt_vocab, ")");
  ModeRestorer restore{*this, training()};
  eval();
  NoGrad no_grad;
  const Var memory = encode(src, src_mask);
  const int64_t B = src.size(0), S = src.size(1), V = config.tgt_vocab;
  Seq2SeqDecoded result;
  result.tokens.resize(size_t(B));
  std::vector<std::vector<real>> rows(static_cast<size_t>(B));
  std::vector<bool> done(static_cast<size_t>(B), false);
  Tensor ys = Tensor::full({B, 1}, real(bos));
  // Each step reruns the decoder on the whole prefix: the outputs at earlier positions do not
  // change (causal attention), only the last one is new. Short outputs make this cheap enough.
  for (int64_t t = 0; t < max_len; ++t) {
    const TransformerOutput o = decode(memory, src_mask, ys, /*need_weights=*/true);
    const Tensor& logits = o.logits.value();             // [B, t+1, V]
    const Tensor& w = o.cross_weights.back().value();   // [B, H, t+1, S]
    const int64_t H = w.size(1);
    Tensor next({B, 1});
    bool all_done = true;
    for (int64_t b = 0; b < B; ++b) {
      const real* row = logits.data() + (b * (t + 1) + t) * V;
      int64_t token = 0;
      for (int64_t v = 1; v < V; ++v)
        if (row[v] > row[token]) token = v;  // the first maximum, as argmax
      next[b] = real(token);
      if (done[size_t(b)]) continue;
      if (token == eos) {
        done[size_t(b)] = true;
        continue;
      }
      result.tokens[size_t(b)].push_back(token);
      for (int64_t j = 0; j < S; ++j) {
        real mean = 0;
        for (int64_t h = 0; h < H; ++h) mean += w[((b * H + h) * (t + 1) + t) * S + j];
        rows[size_t(b)].push_back(mean / real(H));
      }
      all_done = false;
    }
    if (all_done) break;
    ys = concat({ys, next}, 1);
  }
  result.alignments.resize(size_t(B));
  for (int64_t b = 0; b < B; ++b)
    result.alignments[size_t(b)] = Tensor({int64_t(result.tokens[size_t(b)].size()), S}, rows[size_t(b)]);
  return result;
}

std::vector<Hypothesis> Transformer::beam_decode(const std::vector<int64_t>& src, const BeamSearchOptions& options) {
  if (src.empty()) fail("Transformer::beam_decode: the source sequence is empty");
  ModeRestorer restore{*this, training()};
  eval();
  NoGrad no_grad;
  const Var memory = encode(ids_tensor(src));  // [1, S, d]
  auto next_log_probs = [&](const Tensor& prefixes) {
    const int64_t k = prefixes.size(0), t = prefixes.size(1), V = config.tgt_vocab;
    // The one source, once per hypothesis.
    const Var memories = index_select(memory, 0, Tensor::zeros({k}));
    const Tensor logits = decode(memories, Tensor(), prefixes).logits.value();  // [k, t, V]
    return log_softmax(narrow(logits, 1, t - 1, 1).reshape({k, V}));
  };
  return beam_search(next_log_probs, options);
}

}  // namespace atn
