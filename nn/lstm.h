// Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al.
// 2000), with PyTorch's formulas, names and layout (torch.nn.LSTMCell, torch.nn.LSTM). The
// gates are stacked i, f, g, o in weight_ih [4H, in], weight_hh [4H, H] and the biases [4H]:
//   i = σ(·), f = σ(·), g = tanh(·), o = σ(·),  each of (W_i* x + b_i* + W_h* h + b_h*)
//   c' = f ⊙ c + i ⊙ g        the cell state: kept by f, written through i
//   h' = o ⊙ tanh(c')
// Parameters: 4H·(input + H) weights and 8H biases.
#pragma once
#include "nn/rnn.h"

namespace atn {

struct LSTMState {
  Var h, c;  // each [B, H]; undefined means zeros
};

// One step: x [B, input_size] and (h, c) → (h', c').
class LSTMCell : public RecurrentCell {
 public:
  LSTMCell(int64_t input_size, int64_t hidden_size, Rng& rng, bool bias = true);
  LSTMState forward(const Var& x, const LSTMState& state = {}) const;
  LSTMState operator()(const Var& x, const LSTMState& state = {}) const { return forward(x, state); }
  std::vector<Var> step(const Var& gx, const std::vector<Var>& state) const override;  // state {h, c}
};

struct LSTMOutput {
  Var output;    // [B, T, D·H]: the top layer's h at every step
  Var h_n, c_n;  // [num_layers·D, B, H]
};

// The cell run over x [B, T, input_size] (batch first); initial h0, c0 [num_layers·D, B, H]
// (each undefined = zeros).
class LSTM : public RecurrentSequence {
 public:
  LSTM(int64_t input_size, int64_t hidden_size, Rng& rng, RecurrentOptions options = {});
  LSTMOutput forward(const Var& x, const LSTMState& initial = {}) const;
  LSTMOutput operator()(const Var& x, const LSTMState& initial = {}) const { return forward(x, initial); }
};

}  // namespace atn
