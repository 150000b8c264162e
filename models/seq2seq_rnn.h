// A recurrent encoder–decoder with attention: the model of Bahdanau et al. (2015) and
// Luong et al. (2015), the first place where attention appeared.
//
//   encoder   h_j = cell(embed(x_j), h_{j−1})                 j = 1 … S   (GRU or LSTM)
//   decoder   s_t = cell(embed(y_{t−1}), s_{t−1}),  s_0 = h_S  (the encoder's last state)
//   attention α_t = softmax_j score(s_t, h_j),  c_t = Σ_j α_tj h_j      (nn/attention/scores.h)
//   output    h̃_t = tanh(W_c [c_t; s_t]),  logits_t = W_out h̃_t
//
// This is Luong's "global attention" without input feeding: the context enters the output, not
// the recurrence, so with teacher forcing every s_t is known before any attention is computed
// and one batched call scores all T decoder steps against all S encoder states. With
// Attention::None there is no c_t (h̃_t = tanh(W_c s_t)): all the decoder knows about the source
// is s_0 = h_S, the single fixed-size vector of Sutskever et al. (2014) and Cho et al. (2014),
// which is the bottleneck that attention removes (lesson 01 compares the two).
//
// Padding: src_mask [B, S] (1 = real token, 0 = padding, as data/batch.h's PaddedBatch) keeps
// the encoder state unchanged over padded steps, so h_S is the state after the last real token,
// and hides padded positions from the attention. Padding therefore never changes an output.
// Target padding is ignored by the loss (ignore_index = pad).
//
// Parameter names: src_embed.weight, tgt_embed.weight, encoder.* and decoder.* (a GRUCell's or
// LSTMCell's weight_ih, weight_hh, bias_ih, bias_hh), attention.* (the score's own, if any),
// combine.weight (W_c), out.weight, out.bias.
#pragma once
#include <memory>
#include <vector>

#include "models/seq2seq_common.h"
#include "nn/attention/scores.h"
#include "nn/embedding.h"
#include "nn/recurrent.h"

namespace atn {

enum class RnnCellKind { GRU, LSTM };
enum class Seq2SeqAttention { None, Dot, General, Additive };

struct Seq2SeqRNNConfig {
  int64_t src_vocab = 0;
  int64_t tgt_vocab = 0;
  int64_t embed_dim = 32;
  int64_t hidden = 64;
  RnnCellKind cell = RnnCellKind::GRU;
  Seq2SeqAttention attention = Seq2SeqAttention::Additive;
  int64_t attention_dim = 0;  // the width of the additive score's MLP; 0 = hidden
  int64_t pad = 0;            // target id ignored by the loss
};

struct Seq2SeqOutput {
  Var logits;   // [B, T, tgt_vocab]
  Var weights;  // [B, T, S] attention weights (each row sums to 1); undefined without attention
};

class Seq2SeqRNN : public Module {
 public:
  Seq2SeqRNN(const Seq2SeqRNNConfig& config, Rng& rng);

  struct Encoded {
    Var states;               // [B, S, H]: h_j for every source position
    std::vector<Var> finals;  // {h} or {h, c}, each [B, H]: the state after the last real token
    Tensor mask;              // [B, S], the src_mask given (or all ones)
  };
  // src [B, S] token ids; src_mask [B, S] of 0/1, or undefined for no padding.
  Encoded encode(const Tensor& src, const Tensor& src_mask = Tensor());

  // Teacher forcing: the decoder reads tgt_in [B, T] (the target shifted right, bos first) and
  // predicts the target at every step.
  Seq2SeqOutput forward(const Tensor& src, const Tensor& src_mask, const Tensor& tgt_in);
  // Mean cross-entropy of forward's logits against tgt_out [B, T] (pad positions ignored).
  Var loss(const Tensor& src, const Tensor& src_mask, const Tensor& tgt_in, const Tensor& tgt_out);

  // Feeds back its own argmax, from bos, for at most max_len tokens or until eos (eos < 0: never
  // stops early). Runs under NoGrad.
  Seq2SeqDecoded greedy_decode(const Tensor& src, const Tensor& src_mask, int64_t bos, int64_t eos,
                               int64_t max_len);

  std::string type_name() const override { return "Seq2SeqRNN"; }

  const Seq2SeqRNNConfig config;
  Embedding src_embed, tgt_embed;
  std::unique_ptr<RecurrentCell> encoder, decoder;
  std::unique_ptr<ScoreFunction> attention;  // null for Seq2SeqAttention::None
  Linear combine, out;

 private:
  // The decoder's output layer for states s [B, T, H] given the encoding: logits and weights.
  Seq2SeqOutput readout(const Var& s, const Encoded& enc);
};

}  // namespace atn
