// Embedding, Dropout, FeedForward, Sequential and the activation layers: values by hand,
// PyTorch's names and counts, gradcheck with respect to the input and every parameter, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "nn/embedding.h"
#include "nn/feed_forward.h"
#include "nn/sequential.h"
#include "tensor/elementwise.h"
#include "tensor/reduce.h"
#include "tensor/rng.h"
#include "tests/test_util.h"

namespace atn {
namespace {

using namespace testing_util;

TEST(EmbeddingLayer, LooksUpRowsForIdsOfAnyShape) {
  Rng rng(1);
  Embedding emb(5, 3, rng);
  EXPECT_EQ(names_of(emb), Names{"weight"});
  EXPECT_EQ(emb.weight.shape(), (Shape{5, 3}));
  emb.weight.value().copy_from(Tensor::arange(15));  // row i = [3i, 3i + 1, 3i + 2]
  const Var y = emb(Tensor::from({4, 0, 2, 2}, {2, 2}));
  EXPECT_EQ(y.shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(y.value().to_vector(), (std::vector<real>{12, 13, 14, 0, 1, 2, 6, 7, 8, 6, 7, 8}));
  EXPECT_EQ(emb(Tensor::scalar(1)).shape(), (Shape{3}));
  // Through the Layer interface (a Var holding ids), as the first layer of a Sequential.
  EXPECT_EQ(emb(Var(Tensor::from({3}))).value().to_vector(), (std::vector<real>{9, 10, 11}));
  EXPECT_EQ(emb.type_name(), "Embedding(5, 3)");
}

TEST(EmbeddingLayer, GradientAddsIntoTheRowsUsed) {
  Rng rng(2);
  Embedding emb(4, 2, rng);
  backward(sum(emb(Tensor::from({1, 3, 1}))));
  // d sum / d weight counts how often each row was picked: rows 0..3 → 0, 2, 0, 1 (each column).
  EXPECT_EQ(emb.weight.grad().to_vector(), (std::vector<real>{0, 0, 2, 2, 0, 0, 1, 1}));
  const Tensor ids = Tensor::from({0, 2, 2, 3, 1, 0}, {2, 3});
  const auto r = gradcheck([&](const Vars&) { return tanh(emb(ids)); }, {emb.weight});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(EmbeddingLayer, InitIsStandardNormal) {
  Rng rng(3);
  Embedding emb(100, 50, rng);
  const Tensor& w = emb.weight.value();
  const real m = mean(w).item();
  const real var = mean(mul(w, w)).item() - m * m;
  EXPECT_NEAR(m, 0, 0.05f);  // 5000 draws: standard error 0.014
  EXPECT_NEAR(var, 1, 0.06f);
}

TEST(EmbeddingLayer, Errors) {
  Rng rng(4);
  Embedding emb(5, 3, rng);
  EXPECT_THROW(emb(Tensor::from({5})), Error);         // out of range
  EXPECT_THROW(emb(Tensor::from({-1})), Error);        // negative
  EXPECT_THROW(emb(Tensor::from({1.5f})), Error);      // not whole
  EXPECT_THROW(emb(param(Tensor::from({1}))), Error);  // ids that want a gradient
  EXPECT_THROW(Embedding(0, 3, rng), Error);
}

TEST(DropoutLayer, FollowsTrainAndEval) {
  Rng rng(5);
  Dropout drop(0.5f, rng);
  const Var x(Tensor::ones({1000}));
  const Tensor y = drop(x).value();
  int64_t zeros = 0;
  for (real v : y) {
    EXPECT_TRUE(v == 0 || v == 2);  // survivors scaled by 1/(1 − 0.5)
    zeros += v == 0;
  }
  EXPECT_NEAR(real(zeros) / 1000, 0.5f, 0.05f);
  drop.eval();
  EXPECT_TRUE(drop(x).same_as(x));  // identity, nothing drawn
  EXPECT_EQ(drop.num_parameters(), 0);
  EXPECT_EQ(drop.type_name(), "Dropout(p=0.5)");
  EXPECT_THROW(Dropout(1, rng), Error);
  EXPECT_THROW(Dropout(-0.1f, rng), Error);
}

TEST(DropoutLayer, Gradcheck) {
  // The mask must be the same in every call gradcheck makes: restart the Rng each time.
  Rng rng(6);
  Dropout drop(0.3f, rng);
  const auto state = rng.state();
  const auto r = gradcheck(
      [&](const Vars& v) {
        rng.set_state(state);
        return drop(v[0]);
      },
      {param(Tensor::randn({3, 4}, rng))});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(FeedForwardLayer, NamesAndCounts) {
  Rng rng(7);
  FeedForward relu(4, 8, rng);
  EXPECT_EQ(names_of(relu), (Names{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
  EXPECT_EQ(relu.num_parameters(), 4 * 8 + 8 + 8 * 4 + 4);  // 76
  EXPECT_EQ(relu.fc1->weight.shape(), (Shape{8, 4}));
  FeedForward swiglu(4, 8, rng, {.activation = FeedForwardActivation::SwiGLU, .bias = false});
  EXPECT_EQ(names_of(swiglu), (Names{"w1.weight", "w2.weight", "w3.weight"}));
  EXPECT_EQ(swiglu.num_parameters(), 3 * 4 * 8);  // 96
  EXPECT_EQ(swiglu.w2->weight.shape(), (Shape{4, 8}));
  EXPECT_EQ(swiglu.type_name(), "FeedForward(4, 8, swiglu, bias=false)");
}

TEST(FeedForwardLayer, ValuesByHand) {
  // d_model = d_ff = 1, so every weight is a number.
  Rng rng(8);
  auto one = [](Linear& l, real w, real b) {
    l.weight.value()[0] = w;
    if (l.bias.defined()) l.bias.value()[0] = b;
  };
  const Var x(Tensor::from({1, -1}, {2, 1}));
  // ReLU: fc2(relu(2x + 1)) with fc2 = 3h + 0.5: x = 1 → 3·3 + 0.5 = 9.5; x = −1 → relu(−1) = 0 → 0.5.
  FeedForward relu(1, 1, rng);
  one(*relu.fc1, 2, 1);
  one(*relu.fc2, 3, 0.5f);
  EXPECT_EQ(relu(x).value().to_vector(), (std::vector<real>{9.5f, 0.5f}));
  // GELU at 1: exact Φ(1) = 0.841345; tanh approximation 0.841192 (fc1, fc2 the identity).
  FeedForward gelu(1, 1, rng, {.activation = FeedForwardActivation::Gelu});
  FeedForward gelu_tanh(1, 1, rng, {.activation = FeedForwardActivation::GeluTanh});
  for (FeedForward* ff : {&gelu, &gelu_tanh}) {
    one(*ff->fc1, 1, 0);
    one(*ff->fc2, 1, 0);
  }
  EXPECT_NEAR(gelu(x).value()[0], 0.841345f, 1e-5f);
  EXPECT_NEAR(gelu_tanh(x).value()[0], 0.841192f, 1e-5f);
  // SwiGLU: w2(silu(w1 x) · w3 x) with w1 = 2, w3 = 3, w2 = 0.5 at x = 1:
  // silu(2) = 2σ(2) = 1.761594; · 3 = 5.284782; · 0.5 = 2.642391.
  FeedForward swiglu(1, 1, rng, {.activation = FeedForwardActivation::SwiGLU, .bias = false});
  one(*swiglu.w1, 2, 0);
  one(*swiglu.w3, 3, 0);
  one(*swiglu.w2, 0.5f, 0);
  EXPECT_NEAR(swiglu(x).value()[0], 2.642391f, 1e-5f);
}

TEST(FeedForwardLayer, GradcheckEveryActivation) {
  Rng rng(9);
  using A = FeedForwardActivation;
  for (A act : {A::Relu, A::Gelu, A::GeluTanh, A::SwiGLU}) {
    FeedForward ff(3, 5, rng, {.activation = act});
    expect_layer_gradcheck(ff, param(Tensor::randn({2, 2, 3}, rng)), ff.type_name());
  }
}

TEST(FeedForwardLayer, DropoutOnlyInTraining) {
  Rng rng(10);
  FeedForward ff(4, 16, rng, {.dropout = 0.5f});
  const Var x(Tensor::randn({3, 4}, rng));
  ff.eval();
  const Tensor a = ff(x).value(), b = ff(x).value();
  EXPECT_EQ(max_abs_diff(a, b), 0);  // deterministic
  ff.train();
  EXPECT_TRUE(ff.dropout.training());
  EXPECT_GT(max_abs_diff(ff(x).value(), a), 1e-3f);  // some of the 48 hidden units dropped
}

TEST(SequentialLayer, BuildsAnMLPWithPyTorchNames) {
  Rng rng(11);
  Sequential mlp;
  Linear& first = mlp.add(std::make_unique<Linear>(2, 4, rng));
  mlp.add(std::make_unique<Tanh>());
  mlp.add(std::make_unique<Linear>(4, 1, rng));
  EXPECT_EQ(names_of(mlp), (Names{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(mlp.size(), 3u);
  EXPECT_EQ(&mlp[0], &first);
  EXPECT_EQ(mlp[1].type_name(), "Tanh");
  EXPECT_EQ(mlp.num_parameters(), 2 * 4 + 4 + 4 + 1);
  // The chain is the layers applied in order.
  const Var x(Tensor::randn({5, 2}, rng));
  const Tensor want = mlp[2](tanh(first(x))).value();
  EXPECT_EQ(max_abs_diff(mlp(x).value(), want), 0);
  expect_layer_gradcheck(mlp, param(Tensor::randn({3, 2}, rng)), "Sequential MLP");
  EXPECT_THROW(mlp[3], Error);
  Sequential empty;
  EXPECT_TRUE(empty(x).same_as(x));
}

TEST(SequentialLayer, TrainAndEvalReachTheLayers) {
  Rng rng(12);
  Sequential seq;
  Dropout& drop = seq.add(std::make_unique<Dropout>(0.5f, rng));
  seq.eval();
  EXPECT_FALSE(drop.training());
  seq.train();
  EXPECT_TRUE(drop.training());
  EXPECT_THROW(seq.add(std::unique_ptr<Layer>()), Error);
}

TEST(ActivationLayers, ValuesAndGradcheck) {
  // relu(−1, 2) = (0, 2); tanh(0.5) = 0.462117; σ(0) = 0.5; gelu(−1) = −Φ(1)... = −0.158655.
  const Var x(Tensor::from({-1, 2}));
  EXPECT_EQ(ReLU()(x).value().to_vector(), (std::vector<real>{0, 2}));
  EXPECT_NEAR(Tanh()(Var(Tensor::from({0.5f}))).item(), 0.462117f, 1e-6f);
  EXPECT_EQ(Sigmoid()(Var(Tensor::from({0}))).item(), 0.5f);
  EXPECT_NEAR(GELU()(x).value()[0], -0.158655f, 1e-6f);
  EXPECT_NEAR(GELU(true)(Var(Tensor::from({1}))).item(), 0.841192f, 1e-6f);
  EXPECT_EQ(GELU(true).type_name(), "GELU(tanh)");
  Rng rng(13);
  ReLU relu;
  Tanh tanh_layer;
  Sigmoid sigmoid_layer;
  GELU gelu_layer;
  for (Layer* layer : std::vector<Layer*>{&relu, &tanh_layer, &sigmoid_layer, &gelu_layer}) {
    EXPECT_EQ(layer->num_parameters(), 0);
    expect_layer_gradcheck(*layer, param(Tensor::from({-1.3f, -0.2f, 0.4f, 2.1f}, {2, 2})), layer->type_name());
  }
}

TEST(Layers, Errors) {
  Rng rng(14);
  FeedForward ff(4, 8, rng);
  try {
    ff(Var(Tensor::zeros({2, 3})));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "FeedForward: input [2, 3] is not [..., d_model] with d_model=4");
  }
  EXPECT_THROW(ff(Var(Tensor::scalar(1))), Error);
  EXPECT_THROW(FeedForward(4, 0, rng), Error);
  EXPECT_THROW(FeedForward(4, 8, rng, {.dropout = 1}), Error);
  FeedForward swiglu(4, 8, rng, {.activation = FeedForwardActivation::SwiGLU});
  EXPECT_THROW(swiglu(Var(Tensor::zeros({4}))), Error);  // a lone vector of the wrong size
  Sequential mlp;
  mlp.add(std::make_unique<Linear>(2, 3, rng));
  EXPECT_THROW(mlp(Var(Tensor::zeros({1, 3}))), Error);  // the first layer's check speaks
}

}  // namespace
}  // namespace atn
