#include "nn/gru.h"

#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "autograd/ops_shape.h"

namespace atn {

GRUCell::GRUCell(int64_t input, int64_t hidden, Rng& rng, bool bias)
    : RecurrentCell("GRUCell", input, hidden, /*num_gates=*/3, rng, bias) {}

Var GRUCell::forward(const Var& x, const Var& h) const { return step(input_gates(x), check_step_inputs(x, {h}))[0]; }

std::vector<Var> GRUCell::step(const Var& gx, const std::vector<Var>& state) const {
  const Var& h = state[0];
  // The x parts and the h parts stay apart: r multiplies only the h part of the candidate n.
  std::vector<Var> xi = chunk(gx, 3, -1), hi = chunk(hidden_gates(h), 3, -1);  // [r, z, n], each [B, H]
  Var r = sigmoid(xi[0] + hi[0]);
  Var z = sigmoid(xi[1] + hi[1]);
  Var n = tanh(xi[2] + r * hi[2]);
  return {(1.0f - z) * n + z * h};
}

GRU::GRU(int64_t input, int64_t hidden, Rng& rng, RecurrentOptions opts)
    : RecurrentSequence("GRU", input, hidden, opts) {
  build_cells<GRUCell>(rng);
}

RecurrentOutput GRU::forward(const Var& x, const Var& h0) const {
  Result r = run(x, {h0});
  return {r.output, r.finals[0]};
}

}  // namespace atn
