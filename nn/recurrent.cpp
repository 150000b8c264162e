#include "nn/recurrent.h"

#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "nn/init.h"

namespace atn {

RecurrentCell::RecurrentCell(const char* kind, int64_t input, int64_t hidden, int64_t gates, Rng& rng, bool bias)
    : input_size(input), hidden_size(hidden), num_gates(gates), kind_(kind) {
  if (input < 1 || hidden < 1) fail(kind, ": sizes must be positive, got input_size=", input, " hidden_size=", hidden);
  // PyTorch's init for every recurrent weight and bias: U(−1/√H, 1/√H).
  const real k = real(1) / std::sqrt(real(hidden));
  auto uniform = [&](Shape shape) {
    Tensor t(std::move(shape));
    init::uniform(t, rng, -k, k);
    return t;
  };
  register_parameter("weight_ih", weight_ih, uniform({gates * hidden, input}));
  register_parameter("weight_hh", weight_hh, uniform({gates * hidden, hidden}));
  if (bias) {
    register_parameter("bias_ih", bias_ih, uniform({gates * hidden}));
    register_parameter("bias_hh", bias_hh, uniform({gates * hidden}));
  }
}

Var RecurrentCell::input_gates(const Var& x) const {
  Var g = matmul(x, weight_ih, false, true);
  return bias_ih.defined() ? g + bias_ih : g;
}

Var RecurrentCell::hidden_gates(const Var& h) const {
  Var g = matmul(h, weight_hh, false, true);
  return bias_hh.defined() ? g + bias_hh : g;
}

std::vector<Var> RecurrentCell::check_step_inputs(const Var& x, std::vector<Var> state) const {
  if (x.dim() != 2 || x.size(1) != input_size)
    fail(kind_, ": input ", to_string(x.shape()), " is not [batch, input_size] with input_size=", input_size);
  const Shape want{x.size(0), hidden_size};
  for (Var& part : state) {
    if (!part.defined())
      part = constant(Tensor::zeros(want));
    else if (part.shape() != want)
      fail(kind_, ": state ", to_string(part.shape()), " does not match [batch, hidden_size] = ", to_string(want));
  }
  return state;
}

std::string RecurrentCell::type_name() const {
  return std::string(kind_) + "(" + std::to_string(input_size) + ", " + std::to_string(hidden_size) +
         (bias_ih.defined() ? ")" : ", bias=false)");
}

RecurrentSequence::RecurrentSequence(const char* kind, int64_t input, int64_t hidden, RecurrentOptions options_)
    : input_size(input), hidden_size(hidden), options(options_), kind_(kind) {
  if (input < 1 || hidden < 1) fail(kind, ": sizes must be positive, got input_size=", input, " hidden_size=", hidden);
  if (options.num_layers < 1) fail(kind, ": num_layers must be positive, got ", options.num_layers);
}

int64_t RecurrentSequence::layer_input_size(int64_t layer) const {
  return layer == 0 ? input_size : hidden_size * (options.bidirectional ? 2 : 1);
}

void RecurrentSequence::register_cells() {
  const int64_t D = options.bidirectional ? 2 : 1;
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::string suffix = "_l" + std::to_string(int64_t(i) / D) + (int64_t(i) % D == 1 ? "_reverse" : "");
    RecurrentCell& cell = *cells[i];
    // The cell's own Vars, registered again here under PyTorch's names: one node, two names;
    // the cells are not child modules, so they do not also appear as "cells.0.weight_ih".
    register_parameter("weight_ih" + suffix, cell.weight_ih);
    register_parameter("weight_hh" + suffix, cell.weight_hh);
    if (cell.bias_ih.defined()) {
      register_parameter("bias_ih" + suffix, cell.bias_ih);
      register_parameter("bias_hh" + suffix, cell.bias_hh);
    }
  }
}

RecurrentSequence::Result RecurrentSequence::run(const Var& x, const std::vector<Var>& initial) const {
  const int64_t L = options.num_layers, D = options.bidirectional ? 2 : 1, H = hidden_size;
  if (x.dim() != 3 || x.size(2) != input_size)
    fail(kind_, ": input ", to_string(x.shape()), " is not [batch, time, input_size] with input_size=", input_size);
  const int64_t B = x.size(0), T = x.size(1);
  if (T < 1) fail(kind_, ": input ", to_string(x.shape()), " has no time steps");
  const Shape state_shape{L * D, B, H};
  for (const Var& s : initial)
    if (s.defined() && s.shape() != state_shape)
      fail(kind_, ": initial state ", to_string(s.shape()),
           " is not [num_layers·directions, batch, hidden_size] = ", to_string(state_shape));

  Result result;
  std::vector<std::vector<Var>> finals(initial.size());  // [part][layer·D + direction], each [B, H]
  Var layer_in = x;
  for (int64_t layer = 0; layer < L; ++layer) {
    std::vector<Var> direction_out;
    for (int64_t dir = 0; dir < D; ++dir) {
      const int64_t index = layer * D + dir;
      const RecurrentCell& cell = *cells[size_t(index)];
      std::vector<Var> state;
      for (const Var& s : initial)
        state.push_back(s.defined() ? squeeze(narrow(s, 0, index, 1), 0) : constant(Tensor::zeros({B, H})));
      Var gx = cell.input_gates(layer_in);  // [B, T, G·H]: every step's input part, one matmul
      std::vector<Var> outs(static_cast<size_t>(T));
      for (int64_t k = 0; k < T; ++k) {
        const int64_t t = dir == 0 ? k : T - 1 - k;  // the reverse direction reads from the end
        state = cell.step(squeeze(narrow(gx, 1, t, 1), 1), state);
        outs[size_t(t)] = unsqueeze(state[0], 1);  // h at step t, [B, 1, H]
      }
      direction_out.push_back(concat(outs, 1));
      for (size_t p = 0; p < state.size(); ++p) finals[p].push_back(unsqueeze(state[p], 0));
    }
    layer_in = D == 1 ? direction_out[0] : concat(direction_out, 2);
  }
  result.output = layer_in;
  for (auto& parts : finals) result.finals.push_back(concat(parts, 0));
  return result;
}

std::string RecurrentSequence::type_name() const {
  std::string s = std::string(kind_) + "(" + std::to_string(input_size) + ", " + std::to_string(hidden_size);
  if (options.num_layers != 1) s += ", num_layers=" + std::to_string(options.num_layers);
  if (!options.bias) s += ", bias=false";
  if (options.bidirectional) s += ", bidirectional=true";
  return s + ")";
}

}  // namespace atn
