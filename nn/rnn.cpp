#include "nn/rnn.h"

#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"

namespace atn {

RNNCell::RNNCell(int64_t input, int64_t hidden, Rng& rng, bool bias)
    : RecurrentCell("RNNCell", input, hidden, /*num_gates=*/1, rng, bias) {}

Var RNNCell::forward(const Var& x, const Var& h) const { return step(input_gates(x), check_step_inputs(x, {h}))[0]; }

std::vector<Var> RNNCell::step(const Var& gx, const std::vector<Var>& state) const {
  return {tanh(gx + hidden_gates(state[0]))};
}

RNN::RNN(int64_t input, int64_t hidden, Rng& rng, RecurrentOptions opts)
    : RecurrentSequence("RNN", input, hidden, opts) {
  build_cells<RNNCell>(rng);
}

RecurrentOutput RNN::forward(const Var& x, const Var& h0) const {
  Result r = run(x, {h0});
  return {r.output, r.finals[0]};
}

}  // namespace atn
