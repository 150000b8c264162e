// What the recurrent layers (nn/rnn.h, nn/gru.h, nn/lstm.h) share: a cell's parameters with
// PyTorch's names, layout and init, and the loop that runs cells over a sequence.
//
// A cell with G gates (RNN 1, GRU 3, LSTM 4) and hidden size H holds, as torch.nn.*Cell:
//   weight_ih [G·H, input_size], weight_hh [G·H, H], bias_ih [G·H], bias_hh [G·H],
// the gates' matrices stacked in PyTorch's order (GRU: r, z, n; LSTM: i, f, g, o), every one
// initialized U(−1/√H, 1/√H). Each gate's pre-activation is x W_ihᵀ + b_ih + h W_hhᵀ + b_hh
// restricted to its H rows; the x part does not depend on h, so over a sequence it is computed
// for every time step at once (one matmul on [B, T, in]) and each step adds only the h part.
#pragma once
#include <memory>
#include <vector>

#include "nn/module.h"
#include "tensor/rng.h"

namespace atn {

class RecurrentCell : public Module {
 public:
  // x W_ihᵀ + b_ih, x [..., input_size] → [..., G·H].
  Var input_gates(const Var& x) const;
  // h W_hhᵀ + b_hh, h [B, H] → [B, G·H].
  Var hidden_gates(const Var& h) const;
  // One time step from the precomputed input gates gx [B, G·H]; state is {h} or, for the
  // LSTM, {h, c}, each [B, H]. Returns the new state in the same order.
  virtual std::vector<Var> step(const Var& gx, const std::vector<Var>& state) const = 0;
  std::string type_name() const override;

  int64_t input_size, hidden_size, num_gates;
  Var weight_ih, weight_hh, bias_ih, bias_hh;  // the biases are undefined when built without

 protected:
  RecurrentCell(const char* kind, int64_t input_size, int64_t hidden_size, int64_t num_gates, Rng& rng, bool bias);
  // Checks x [B, input_size] and each state part [B, H] (undefined parts become zeros), and
  // returns the state to start from.
  std::vector<Var> check_step_inputs(const Var& x, std::vector<Var> state) const;
  const char* kind_;  // "RNNCell", "GRUCell", "LSTMCell": names the cell in errors
};

struct RecurrentOptions {
  int64_t num_layers = 1;  // layer k > 0 reads the outputs of layer k − 1
  bool bias = true;
  bool bidirectional = false;  // a second cell per layer reads the sequence from the end
};

// A stack of cells run over x [B, T, input_size] (always batch first: in PyTorch build the
// module with batch_first=True). Parameters are named as torch.nn.RNN/GRU/LSTM's:
// "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", then "_l1", ..., and for the
// backward direction "weight_ih_l0_reverse", ... Not offered: dropout between layers,
// proj_size, packed (variable-length) sequences.
class RecurrentSequence : public Module {
 public:
  std::string type_name() const override;

  int64_t input_size, hidden_size;
  RecurrentOptions options;
  // cells[layer·D + direction], D = 2 if bidirectional else 1: the order of PyTorch's h_n.
  std::vector<std::unique_ptr<RecurrentCell>> cells;

 protected:
  struct Result {
    Var output;               // [B, T, D·H]: the last layer's h at every step, both directions side by side
    std::vector<Var> finals;  // per state part (h, then c): [num_layers·D, B, H]
  };
  RecurrentSequence(const char* kind, int64_t input_size, int64_t hidden_size, RecurrentOptions options);
  // Called by the derived constructor: builds cells[layer·D + direction] and registers their
  // parameters under PyTorch's names.
  template <class Cell>
  void build_cells(Rng& rng) {
    const int64_t D = options.bidirectional ? 2 : 1;
    for (int64_t layer = 0; layer < options.num_layers; ++layer)
      for (int64_t dir = 0; dir < D; ++dir)
        cells.push_back(std::make_unique<Cell>(layer_input_size(layer), hidden_size, rng, options.bias));
    register_cells();
  }
  void register_cells();
  int64_t layer_input_size(int64_t layer) const;
  // initial: one entry per state part, each [num_layers·D, B, H] or undefined (zeros).
  Result run(const Var& x, const std::vector<Var>& initial) const;
  const char* kind_;
};

}  // namespace atn
