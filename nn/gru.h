// The gated recurrent unit (Cho et al. 2014), with PyTorch's formulas, names and layout
// (torch.nn.GRUCell, torch.nn.GRU). The gates are stacked r, z, n in weight_ih [3H, in],
// weight_hh [3H, H] and the biases [3H]:
//   r  = σ(W_ir x + b_ir + W_hr h + b_hr)          reset: how much of h the candidate sees
//   z  = σ(W_iz x + b_iz + W_hz h + b_hz)          update: how much of h to keep
//   n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))  candidate (r multiplies after W_hn h + b_hn,
//                                                  as PyTorch/cuDNN; Cho et al. apply r to h first)
//   h' = (1 − z) ⊙ n + z ⊙ h
#pragma once
#include "nn/rnn.h"

namespace atn {

// One step: x [B, input_size], h [B, H] → h' [B, H]. An undefined h means zeros.
class GRUCell : public RecurrentCell {
 public:
  GRUCell(int64_t input_size, int64_t hidden_size, Rng& rng, bool bias = true);
  Var forward(const Var& x, const Var& h = Var()) const;
  Var operator()(const Var& x, const Var& h = Var()) const { return forward(x, h); }
  std::vector<Var> step(const Var& gx, const std::vector<Var>& state) const override;
};

// The cell run over x [B, T, input_size] (batch first), from h0 [num_layers·D, B, H] or zeros.
class GRU : public RecurrentSequence {
 public:
  GRU(int64_t input_size, int64_t hidden_size, Rng& rng, RecurrentOptions options = {});
  RecurrentOutput forward(const Var& x, const Var& h0 = Var()) const;
  RecurrentOutput operator()(const Var& x, const Var& h0 = Var()) const { return forward(x, h0); }
};

}  // namespace atn
