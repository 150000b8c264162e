// The Elman RNN (Elman 1990): h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), as torch.nn.RNNCell
// and torch.nn.RNN with their default tanh nonlinearity. Shared parts: nn/recurrent.h.
#pragma once
#include "nn/recurrent.h"

namespace atn {

// One step: x [B, input_size], h [B, H] → h' [B, H]. An undefined h means zeros (the start).
class RNNCell : public RecurrentCell {
 public:
  RNNCell(int64_t input_size, int64_t hidden_size, Rng& rng, bool bias = true);
  Var forward(const Var& x, const Var& h = Var()) const;
  Var operator()(const Var& x, const Var& h = Var()) const { return forward(x, h); }
  std::vector<Var> step(const Var& gx, const std::vector<Var>& state) const override;
};

// What RNN and GRU return: every step's top-layer h, and the last h of every layer and direction.
struct RecurrentOutput {
  Var output;  // [B, T, D·H], D = 2 if bidirectional else 1
  Var h_n;     // [num_layers·D, B, H]
};

// The cell run over x [B, T, input_size] (batch first), from h0 [num_layers·D, B, H] or zeros.
class RNN : public RecurrentSequence {
 public:
  RNN(int64_t input_size, int64_t hidden_size, Rng& rng, RecurrentOptions options = {});
  RecurrentOutput forward(const Var& x, const Var& h0 = Var()) const;
  RecurrentOutput operator()(const Var& x, const Var& h0 = Var()) const { return forward(x, h0); }
};

}  // namespace atn
