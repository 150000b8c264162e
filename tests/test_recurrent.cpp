// RNN/GRU/LSTM cells and sequences: one step by hand, PyTorch's names, layouts and counts,
// the sequence loop against the cells run by hand (both directions, two layers), gradcheck
// over a few steps with respect to the input, the initial state and every parameter, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "nn/gru.h"
#include "nn/lstm.h"
#include "nn/rnn.h"
#include "tensor/rng.h"
#include "tests/test_util.h"

namespace atn {
namespace {

using namespace testing_util;

void set(Var& v, std::vector<real> values) { v.value().copy_from(Tensor::from(std::move(values))); }

Vars with_parameters(Vars inputs, const Module& m) {
  for (const Var& p : m.parameters()) inputs.push_back(p);
  return inputs;
}

void expect_gradcheck(const GradcheckFn& fn, const Vars& inputs, const std::string& what) {
  const auto r = gradcheck(fn, inputs);
  EXPECT_TRUE(r.ok) << what << "\n" << r.report;
}

Var flat(const Var& v) { return reshape(v, {-1}); }

// Entry i of a state [L·D, B, H]: the [B, H] of one layer and direction.
Tensor slab(const Tensor& t, int64_t i) { return t.narrow0(i, 1).reshape({t.size(1), t.size(2)}); }

TEST(RNNCellLayer, OneStepByHand) {
  // H = 1, in = 2: h' = tanh(x·W_ihᵀ + b_ih + h·W_hh + b_hh)
  //   = tanh(1·1 + 2·(−1) + 0.5·0.5 + 0.1 + 0.2) = tanh(−0.45) = −0.421899.
  Rng rng(1);
  RNNCell cell(2, 1, rng);
  set(cell.weight_ih, {1, -1});
  set(cell.weight_hh, {0.5f});
  set(cell.bias_ih, {0.1f});
  set(cell.bias_hh, {0.2f});
  EXPECT_NEAR(cell(Var(Tensor::from({1, 2}, {1, 2})), Var(Tensor::from({0.5f}, {1, 1}))).item(), -0.421899f, 1e-6f);
  // No h: zeros, tanh(1 − 2 + 0.3) = tanh(−0.7) = −0.604368.
  EXPECT_NEAR(cell(Var(Tensor::from({1, 2}, {1, 2}))).item(), -0.604368f, 1e-6f);
}

TEST(GRUCellLayer, OneStepByHand) {
  // H = 1, in = 1, x = 1, h = 0.5; gates stacked r, z, n:
  //   W_ih = [0.5, −1, 2], W_hh = [1, 2, −1], b_ih = [0, 0, 0.5], b_hh = [0, 0, 1].
  //   r = σ(0.5 + 1·0.5) = σ(1) = 0.731059;  z = σ(−1 + 2·0.5) = σ(0) = 0.5;
  //   n = tanh(2 + 0.5 + r·(−0.5 + 1)) = tanh(2.865529) = 0.993534;
  //   h' = (1 − z)·n + z·h = 0.496767 + 0.25 = 0.746767.
  Rng rng(2);
  GRUCell cell(1, 1, rng);
  set(cell.weight_ih, {0.5f, -1, 2});
  set(cell.weight_hh, {1, 2, -1});
  set(cell.bias_ih, {0, 0, 0.5f});
  set(cell.bias_hh, {0, 0, 1});
  EXPECT_NEAR(cell(Var(Tensor::from({1}, {1, 1})), Var(Tensor::from({0.5f}, {1, 1}))).item(), 0.746767f, 1e-6f);
}

TEST(LSTMCellLayer, OneStepByHand) {
  // H = 1, in = 1, x = 1, h = 0.5, c = 0.5; gates stacked i, f, g, o; biases zero:
  //   W_ih = [1, 2, 0.5, −1], W_hh = [0, 1, 2, 2].
  //   i = σ(1) = 0.731059;  f = σ(2 + 0.5) = 0.924142;  g = tanh(0.5 + 1) = 0.905148;
  //   o = σ(−1 + 1) = 0.5;  c' = f·0.5 + i·g = 0.462071 + 0.661716 = 1.123787;
  //   h' = o·tanh(c') = 0.5·0.808882 = 0.404441.
  Rng rng(3);
  LSTMCell cell(1, 1, rng);
  set(cell.weight_ih, {1, 2, 0.5f, -1});
  set(cell.weight_hh, {0, 1, 2, 2});
  set(cell.bias_ih, {0, 0, 0, 0});
  set(cell.bias_hh, {0, 0, 0, 0});
  const LSTMState s =
      cell(Var(Tensor::from({1}, {1, 1})), {Var(Tensor::from({0.5f}, {1, 1})), Var(Tensor::from({0.5f}, {1, 1}))});
  EXPECT_NEAR(s.c.item(), 1.123787f, 1e-6f);
  EXPECT_NEAR(s.h.item(), 0.404441f, 1e-6f);
}

TEST(RecurrentCells, NamesLayoutsCountsAndInit) {
  Rng rng(4);
  const int64_t in = 3, H = 5;
  RNNCell rnn(in, H, rng);
  GRUCell gru(in, H, rng);
  LSTMCell lstm(in, H, rng);
  const Names pytorch = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
  EXPECT_EQ(names_of(rnn), pytorch);
  EXPECT_EQ(names_of(gru), pytorch);
  EXPECT_EQ(names_of(lstm), pytorch);
  EXPECT_EQ(gru.weight_ih.shape(), (Shape{3 * H, in}));
  EXPECT_EQ(lstm.weight_hh.shape(), (Shape{4 * H, H}));
  EXPECT_EQ(lstm.bias_ih.shape(), (Shape{4 * H}));
  EXPECT_EQ(rnn.num_parameters(), H * (in + H) + 2 * H);
  EXPECT_EQ(gru.num_parameters(), 3 * H * (in + H) + 6 * H);
  EXPECT_EQ(lstm.num_parameters(), 4 * H * (in + H) + 8 * H);  // 160 + 40 = 200
  EXPECT_EQ(lstm.num_parameters(), 200);
  EXPECT_EQ(LSTMCell(in, H, rng, false).num_parameters(), 160);
  // Every value U(−1/√5, 1/√5) = U(−0.447214, 0.447214), and not all tiny.
  real largest = 0;
  for (const Var& p : lstm.parameters())
    for (real v : p.value()) largest = std::max(largest, std::abs(v));
  EXPECT_LE(largest, 0.447214f);
  EXPECT_GT(largest, 0.3f);
  EXPECT_EQ(gru.type_name(), "GRUCell(3, 5)");
}

TEST(RecurrentSequences, PyTorchNamesForLayersAndDirections) {
  Rng rng(5);
  LSTM lstm(3, 4, rng, {.num_layers = 2, .bidirectional = true});
  const Names want = {"weight_ih_l0",         "weight_hh_l0",         "bias_ih_l0",         "bias_hh_l0",
                      "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
                      "weight_ih_l1",         "weight_hh_l1",         "bias_ih_l1",         "bias_hh_l1",
                      "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"};
  EXPECT_EQ(names_of(lstm), want);
  const StateDict sd = lstm.state_dict();
  EXPECT_EQ(sd.at("weight_ih_l0").shape(), (Shape{16, 3}));
  EXPECT_EQ(sd.at("weight_ih_l1").shape(), (Shape{16, 8}));  // layer 1 reads both directions: 2H
  EXPECT_EQ(GRU(3, 4, rng, {.bias = false}).num_parameters(), 12 * 3 + 12 * 4);
  EXPECT_EQ(lstm.type_name(), "LSTM(3, 4, num_layers=2, bidirectional=true)");
}

TEST(RecurrentSequences, MatchTheCellsRunByHand) {
  // A two-layer bidirectional GRU against its own cells stepped one by one.
  Rng rng(6);
  const int64_t B = 2, T = 3, in = 3, H = 2;
  GRU gru(in, H, rng, {.num_layers = 2, .bidirectional = true});
  const Tensor x = Tensor::randn({B, T, in}, rng);
  const Tensor h0 = Tensor::randn({4, B, H}, rng);
  const RecurrentOutput out = gru(Var(x), Var(h0));
  ASSERT_EQ(out.output.shape(), (Shape{B, T, 2 * H}));
  ASSERT_EQ(out.h_n.shape(), (Shape{4, B, H}));

  auto step_in = [](const Tensor& seq, int64_t t) { return Var(narrow(seq, 1, t, 1).reshape({seq.size(0), -1})); };
  Tensor layer_in = x;
  for (int64_t layer = 0; layer < 2; ++layer) {
    std::vector<Tensor> dirs;
    for (int64_t dir = 0; dir < 2; ++dir) {
      const auto& cell = static_cast<const GRUCell&>(*gru.cells[size_t(2 * layer + dir)]);
      Var h(slab(h0, 2 * layer + dir));
      std::vector<Tensor> outs(static_cast<size_t>(T));
      for (int64_t k = 0; k < T; ++k) {
        const int64_t t = dir == 0 ? k : T - 1 - k;
        h = cell(step_in(layer_in, t), h);
        outs[size_t(t)] = h.value().reshape({B, 1, H});
      }
      dirs.push_back(concat(outs, 1));
      EXPECT_LT(max_abs_diff(slab(out.h_n.value(), 2 * layer + dir), h.value()), 1e-6f)
          << "h_n layer " << layer << " dir " << dir;
    }
    layer_in = concat(dirs, 2);
  }
  EXPECT_LT(max_abs_diff(out.output.value(), layer_in), 1e-6f);
}

TEST(RecurrentSequences, LSTMAndRNNMatchTheirCells) {
  Rng rng(7);
  const int64_t B = 2, T = 4, in = 2, H = 3;
  LSTM lstm(in, H, rng);
  RNN rnn(in, H, rng);
  const Tensor x = Tensor::randn({B, T, in}, rng);
  const LSTMOutput lo = lstm(Var(x));
  const RecurrentOutput ro = rnn(Var(x));
  const auto& lcell = static_cast<const LSTMCell&>(*lstm.cells[0]);
  const auto& rcell = static_cast<const RNNCell&>(*rnn.cells[0]);
  LSTMState s;  // zeros
  Var h;
  for (int64_t t = 0; t < T; ++t) {
    const Var xt(narrow(x, 1, t, 1).reshape({B, in}));
    s = lcell(xt, s);
    h = rcell(xt, h);
    EXPECT_LT(max_abs_diff(narrow(lo.output.value(), 1, t, 1).reshape({B, H}), s.h.value()), 1e-6f) << t;
    EXPECT_LT(max_abs_diff(narrow(ro.output.value(), 1, t, 1).reshape({B, H}), h.value()), 1e-6f) << t;
  }
  EXPECT_LT(max_abs_diff(slab(lo.h_n.value(), 0), s.h.value()), 1e-6f);
  EXPECT_LT(max_abs_diff(slab(lo.c_n.value(), 0), s.c.value()), 1e-6f);
  EXPECT_LT(max_abs_diff(slab(ro.h_n.value(), 0), h.value()), 1e-6f);
}

TEST(RecurrentCells, GradcheckOverThreeSteps) {
  // The same cell applied three times: each parameter's gradient sums over the steps.
  Rng rng(8);
  const int64_t B = 2, in = 3, H = 2;
  const Var x = param(Tensor::randn({3, B, in}, rng)), h0 = param(Tensor::randn({B, H}, rng));
  const Var c0 = param(Tensor::randn({B, H}, rng));
  auto xt = [](const Var& xs, int64_t t) { return squeeze(narrow(xs, 0, t, 1), 0); };
  RNNCell rnn(in, H, rng);
  GRUCell gru(in, H, rng);
  LSTMCell lstm(in, H, rng);
  expect_gradcheck(
      [&](const Vars& v) {
        Var h = v[1];
        for (int64_t t = 0; t < 3; ++t) h = rnn(xt(v[0], t), h);
        return h;
      },
      with_parameters({x, h0}, rnn), "RNNCell");
  expect_gradcheck(
      [&](const Vars& v) {
        Var h = v[1];
        for (int64_t t = 0; t < 3; ++t) h = gru(xt(v[0], t), h);
        return h;
      },
      with_parameters({x, h0}, gru), "GRUCell");
  expect_gradcheck(
      [&](const Vars& v) {
        LSTMState s{v[1], v[2]};
        for (int64_t t = 0; t < 3; ++t) s = lstm(xt(v[0], t), s);
        return concat({s.h, s.c}, 1);  // both outputs checked
      },
      with_parameters({x, h0, c0}, lstm), "LSTMCell");
}

TEST(RecurrentSequences, Gradcheck) {
  Rng rng(9);
  const int64_t B = 2, T = 3, in = 2, H = 2;
  const Var x = param(Tensor::randn({B, T, in}, rng));
  RNN rnn(in, H, rng, {.num_layers = 2});
  GRU gru(in, H, rng, {.bidirectional = true});
  LSTM lstm(in, H, rng, {.bidirectional = true});
  const Var h0 = param(Tensor::randn({2, B, H}, rng)), c0 = param(Tensor::randn({2, B, H}, rng));
  expect_gradcheck(
      [&](const Vars& v) {
        const RecurrentOutput o = rnn(v[0], v[1]);
        return concat({flat(o.output), flat(o.h_n)}, 0);
      },
      with_parameters({x, h0}, rnn), "RNN two layers");
  expect_gradcheck(
      [&](const Vars& v) {
        const RecurrentOutput o = gru(v[0], v[1]);
        return concat({flat(o.output), flat(o.h_n)}, 0);
      },
      with_parameters({x, h0}, gru), "GRU bidirectional");
  expect_gradcheck(
      [&](const Vars& v) {
        const LSTMOutput o = lstm(v[0], {v[1], v[2]});
        return concat({flat(o.output), flat(o.h_n), flat(o.c_n)}, 0);
      },
      with_parameters({x, h0, c0}, lstm), "LSTM bidirectional");
}

TEST(Recurrent, Errors) {
  Rng rng(10);
  GRUCell cell(3, 2, rng);
  try {
    cell(Var(Tensor::zeros({4, 3})), Var(Tensor::zeros({4, 3})));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "GRUCell: state [4, 3] does not match [batch, hidden_size] = [4, 2]");
  }
  EXPECT_THROW(cell(Var(Tensor::zeros({4, 2}))), Error);     // input_size 3
  EXPECT_THROW(cell(Var(Tensor::zeros({3}))), Error);        // no batch axis
  EXPECT_THROW(cell(Var(Tensor::zeros({1, 4, 3}))), Error);  // a sequence is for GRU, not GRUCell
  EXPECT_THROW(RNNCell(3, 2, rng)(Var(Tensor::zeros({2, 3})), Var(Tensor::zeros({3, 2}))), Error);
  LSTMCell lcell(3, 2, rng);
  EXPECT_THROW(lcell(Var(Tensor::zeros({2, 3})), {Var(), Var(Tensor::zeros({2, 3}))}), Error);  // bad c
  EXPECT_THROW(LSTMCell(0, 2, rng), Error);

  LSTM lstm(3, 2, rng, {.num_layers = 2});
  EXPECT_THROW(lstm(Var(Tensor::zeros({2, 3}))), Error);     // not [B, T, in]
  EXPECT_THROW(lstm(Var(Tensor::zeros({2, 4, 2}))), Error);  // wrong input_size
  EXPECT_THROW(lstm(Var(Tensor::zeros({2, 0, 3}))), Error);  // no time steps
  EXPECT_THROW(lstm(Var(Tensor::zeros({2, 4, 3})), {Var(Tensor::zeros({1, 2, 2})), Var()}),
               Error);  // h0 needs 2 layers
  EXPECT_THROW(GRU(3, 2, rng)(Var(Tensor::zeros({2, 4, 3})), Var(Tensor::zeros({1, 3, 2}))), Error);
  EXPECT_THROW(RNN(3, 2, rng)(Var(Tensor::zeros({1, 4, 2}))), Error);
  EXPECT_THROW(RNN(3, 2, rng, {.num_layers = 0}), Error);
}

}  // namespace
}  // namespace atn
