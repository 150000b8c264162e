#include "nn/lstm.h"

#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "autograd/ops_shape.h"

namespace atn {

LSTMCell::LSTMCell(int64_t input, int64_t hidden, Rng& rng, bool bias)
    : RecurrentCell("LSTMCell", input, hidden, /*num_gates=*/4, rng, bias) {}

LSTMState LSTMCell::forward(const Var& x, const LSTMState& state) const {
  std::vector<Var> next = step(input_gates(x), check_step_inputs(x, {state.h, state.c}));
  return {next[0], next[1]};
}

std::vector<Var> LSTMCell::step(const Var& gx, const std::vector<Var>& state) const {
  const Var& c = state[1];
  std::vector<Var> gates = chunk(gx + hidden_gates(state[0]), 4, -1);  // [i, f, g, o], each [B, H]
  Var i = sigmoid(gates[0]);
  Var f = sigmoid(gates[1]);
  Var g = tanh(gates[2]);
  Var o = sigmoid(gates[3]);
  Var c_next = f * c + i * g;
  return {o * tanh(c_next), c_next};
}

LSTM::LSTM(int64_t input, int64_t hidden, Rng& rng, RecurrentOptions opts)
    : RecurrentSequence("LSTM", input, hidden, opts) {
  build_cells<LSTMCell>(rng);
}

LSTMOutput LSTM::forward(const Var& x, const LSTMState& initial) const {
  Result r = run(x, {initial.h, initial.c});
  return {r.output, r.finals[0], r.finals[1]};
}

}  // namespace atn
