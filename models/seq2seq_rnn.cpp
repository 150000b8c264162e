#include "models/seq2seq_rnn.h"

#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_math.h"
#include "autograd/ops_shape.h"
#include "models/seq2seq_common.h"
#include "nn/gru.h"
#include "nn/lstm.h"
#include "tensor/reduce.h"

namespace atn {

namespace {

const Seq2SeqRNNConfig& validated(const Seq2SeqRNNConfig& c) {
  if (c.src_vocab < 1 || c.tgt_vocab < 1 || c.embed_dim < 1 || c.hidden < 1 || c.attention_dim < 0)
    fail("Seq2SeqRNN: need src_vocab, tgt_vocab, embed_dim, hidden >= 1 and attention_dim >= 0, got src_vocab=",
         c.src_vocab, " tgt_vocab=", c.tgt_vocab, " embed_dim=", c.embed_dim, " hidden=", c.hidden,
         " attention_dim=", c.attention_dim);
  return c;
}

std::unique_ptr<RecurrentCell> make_cell(RnnCellKind kind, int64_t in, int64_t hidden, Rng& rng) {
  if (kind == RnnCellKind::LSTM) return std::make_unique<LSTMCell>(in, hidden, rng);
  return std::make_unique<GRUCell>(in, hidden, rng);
}

std::unique_ptr<ScoreFunction> make_score(const Seq2SeqRNNConfig& c, Rng& rng) {
  switch (c.attention) {
    case Seq2SeqAttention::None:
      return nullptr;
    case Seq2SeqAttention::Dot:
      return std::make_unique<DotScore>();
    case Seq2SeqAttention::General:
      return std::make_unique<GeneralScore>(c.hidden, c.hidden, rng);
    case Seq2SeqAttention::Additive:
      return std::make_unique<AdditiveScore>(c.hidden, c.hidden, c.attention_dim > 0 ? c.attention_dim : c.hidden, rng);
  }
  return nullptr;
}

// Column t of a [B, S] mask as [B, 1], to choose per sequence between two states [B, H].
Tensor mask_column(const Tensor& mask, int64_t t) {
  const int64_t B = mask.size(0), S = mask.size(1);
  Tensor col({B, 1});
  for (int64_t b = 0; b < B; ++b) col[b] = mask[b * S + t];
  return col;
}

}  // namespace

Seq2SeqRNN::Seq2SeqRNN(const Seq2SeqRNNConfig& c, Rng& rng)
    : config(validated(c)),
      src_embed(c.src_vocab, c.embed_dim, rng),
      tgt_embed(c.tgt_vocab, c.embed_dim, rng),
      encoder(make_cell(c.cell, c.embed_dim, c.hidden, rng)),
      decoder(make_cell(c.cell, c.embed_dim, c.hidden, rng)),
      attention(make_score(c, rng)),
      combine(c.attention == Seq2SeqAttention::None ? c.hidden : 2 * c.hidden, c.hidden, rng, /*bias=*/false),
      out(c.hidden, c.tgt_vocab, rng) {
  register_module("src_embed", src_embed);
  register_module("tgt_embed", tgt_embed);
  register_module("encoder", *encoder);
  register_module("decoder", *decoder);
  if (attention) register_module("attention", *attention);
  register_module("combine", combine);
  register_module("out", out);
}

Seq2SeqRNN::Encoded Seq2SeqRNN::encode(const Tensor& src, const Tensor& src_mask) {
  check_token_batch("Seq2SeqRNN::encode", "src", src, src_mask);
  const int64_t B = src.size(0), S = src.size(1), H = config.hidden;
  Encoded enc;
  enc.mask = src_mask.defined() ? src_mask : Tensor::ones({B, S});
  // Every step's input part x W_ihᵀ + b_ih at once; only the recurrence is a loop.
  const Var gx = encoder->input_gates(src_embed(src));  // [B, S, G·H]
  std::vector<Var> state(config.cell == RnnCellKind::LSTM ? 2 : 1, constant(Tensor::zeros({B, H})));
  std::vector<Var> outs;
  for (int64_t t = 0; t < S; ++t) {
    std::vector<Var> next = encoder->step(squeeze(narrow(gx, 1, t, 1), 1), state);
    // A padded step leaves the state as it was: the final state is the last real token's.
    const Tensor keep = mask_column(enc.mask, t);
    for (size_t p = 0; p < state.size(); ++p) state[p] = where(keep, next[p], state[p]);
    outs.push_back(unsqueeze(state[0], 1));
  }
  enc.states = concat(outs, 1);
  enc.finals = state;
  return enc;
}

Seq2SeqOutput Seq2SeqRNN::readout(const Var& s, const Encoded& enc) {
  if (!attention) return {out(tanh(combine(s))), Var()};
  const Tensor mask = enc.mask.reshape({enc.mask.size(0), 1, enc.mask.size(1)});  // [B, 1, S] over [B, T, S]
  auto [context, weights] = attention->forward(s, enc.states, enc.states, mask);
  return {out(tanh(combine(concat({context, s}, 2)))), weights};
}

Seq2SeqOutput Seq2SeqRNN::forward(const Tensor& src, const Tensor& src_mask, const Tensor& tgt_in) {
  check_token_batch("Seq2SeqRNN::forward", "src", src, src_mask);
  check_token_batch("Seq2SeqRNN::forward", "tgt_in", tgt_in);
  if (tgt_in.size(0) != src.size(0))
    fail("Seq2SeqRNN::forward: tgt_in ", to_string(tgt_in.shape()), " and src ", to_string(src.shape()),
         " have different batch sizes");
  const Encoded enc = encode(src, src_mask);
  const Var gy = decoder->input_gates(tgt_embed(tgt_in));  // [B, T, G·H]
  std::vector<Var> state = enc.finals;
  std::vector<Var> outs;
  for (int64_t t = 0; t < tgt_in.size(1); ++t) {
    state = decoder->step(squeeze(narrow(gy, 1, t, 1), 1), state);
    outs.push_back(unsqueeze(state[0], 1));
  }
  return readout(concat(outs, 1), enc);
}

Var Seq2SeqRNN::loss(const Tensor& src, const Tensor& src_mask, const Tensor& tgt_in, const Tensor& tgt_out) {
  if (tgt_out.shape() != tgt_in.shape())
    fail("Seq2SeqRNN::loss: tgt_out ", to_string(tgt_out.shape()), " is not shaped like tgt_in ",
         to_string(tgt_in.shape()));
  return cross_entropy(forward(src, src_mask, tgt_in).logits, tgt_out, {.ignore_index = config.pad});
}

Seq2SeqDecoded Seq2SeqRNN::greedy_decode(const Tensor& src, const Tensor& src_mask, int64_t bos, int64_t eos,
                                         int64_t max_len) {
  if (max_len < 0) fail("Seq2SeqRNN::greedy_decode: max_len must be >= 0, got ", max_len);
  if (bos < 0 || bos >= config.tgt_vocab)
    fail("Seq2SeqRNN::greedy_decode: bos=", bos, " is not a target id in [0, ", config.tgt_vocab, ")");
  NoGrad no_grad;
  const Encoded enc = encode(src, src_mask);
  const int64_t B = src.size(0), S = src.size(1);
  Seq2SeqDecoded result;
  result.tokens.resize(size_t(B));
  std::vector<std::vector<real>> rows(static_cast<size_t>(B));  // alignment rows, flat
  std::vector<bool> done(static_cast<size_t>(B), false);
  Tensor y = Tensor::full({B}, real(bos));
  std::vector<Var> state = enc.finals;
  for (int64_t t = 0; t < max_len; ++t) {
    state = decoder->step(decoder->input_gates(tgt_embed(y)), state);
    const Seq2SeqOutput o = readout(unsqueeze(state[0], 1), enc);  // logits [B, 1, V], weights [B, 1, S]
    const Tensor next = argmax(o.logits.value(), -1).reshape({B});
    bool all_done = true;
    for (int64_t b = 0; b < B; ++b) {
      if (done[size_t(b)]) continue;
      const auto token = int64_t(next[b]);
      if (token == eos) {
        done[size_t(b)] = true;
        continue;
      }
      result.tokens[size_t(b)].push_back(token);
      if (o.weights.defined())
        for (int64_t j = 0; j < S; ++j) rows[size_t(b)].push_back(o.weights.value()[b * S + j]);
      all_done = false;
    }
    if (all_done) break;
    y = next;
  }
  result.alignments.resize(size_t(B));
  if (attention)
    for (int64_t b = 0; b < B; ++b) {
      const auto len = int64_t(result.tokens[size_t(b)].size());
      result.alignments[size_t(b)] = Tensor({len, S}, rows[size_t(b)]);
    }
  return result;
}

}  // namespace atn
