// Gradient accumulation without copies (Var::accumulate_grad), backward's
// keep_intermediate_grads, and a whole training step giving the same bits on 1, 2 or 3 threads
// with tensors big enough that the elementwise, softmax, layer_norm and AdamW loops are split.
#include <gtest/gtest.h>

#include <vector>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "autograd/tape.h"
#include "models/gpt.h"
#include "optim/adam.h"
#include "tensor/elementwise.h"
#include "tensor/thread_pool.h"
#include "tests/test_util.h"

namespace atn {
namespace {

TEST(GradAccumulation, AFreshGradientIsTakenWithoutACopy) {
  Var a = param(Tensor::zeros({4, 5}));
  Tensor g = Tensor::full({4, 5}, 2);
  const real* storage = g.data();
  a.accumulate_grad(std::move(g));  // nobody else holds g: it becomes the gradient
  EXPECT_EQ(a.grad().data(), storage);
  a.accumulate_grad(Tensor::full({4, 5}, 1));  // the second contribution is added in place
  EXPECT_EQ(a.grad().data(), storage);
  for (real v : a.grad()) EXPECT_EQ(v, 3);
}

TEST(GradAccumulation, ALeafNeverSharesItsGradientWithTheCaller) {
  Var a = param(Tensor::zeros({3}));
  const Tensor g = Tensor::full({3}, 1);
  a.accumulate_grad(g);          // g is the caller's: copied
  Tensor kept = g;               // another handle: moving it cannot make it a leaf's own
  a.accumulate_grad(std::move(kept));
  EXPECT_FALSE(a.grad().shares_storage_with(g));
  for (real v : g) EXPECT_EQ(v, 1);  // the additions went into a's own buffer
  for (real v : a.grad()) EXPECT_EQ(v, 2);
}

TEST(GradAccumulation, TwoLeavesOfOneAddGetSeparateGradients) {
  Var a = param(Tensor::ones({2, 2})), b = param(Tensor::ones({2, 2}));
  backward(sum(a + b));
  EXPECT_FALSE(a.grad().shares_storage_with(b.grad()));
  scale_(a.grad(), 5);  // what clip_grad_norm_ does to a parameter's gradient
  for (real v : b.grad()) EXPECT_EQ(v, 1);
}

TEST(GradAccumulation, ASharedIntermediateGradientIsNeverChangedInPlace) {
  // y's gradient reaches h twice through y = h + h: the first time h takes it without a copy
  // (they share storage), so the second must not be added into that shared buffer.
  Var x = param(Tensor::from({1, 2, 3}));
  Var h = x * 3;
  Var y = h + h;
  backward(sum(y * y));
  for (int64_t i = 0; i < 3; ++i) {
    const real dy = 2 * y.value()[i];
    EXPECT_EQ(y.grad()[i], dy);
    EXPECT_EQ(h.grad()[i], 2 * dy);
    EXPECT_EQ(x.grad()[i], 6 * dy);
  }
}

TEST(GradAccumulation, IntermediateGradientsAreDroppedOnlyWhenAsked) {
  auto run = [](bool keep, Var& x, Var& h, Var& loss) {
    x = param(Tensor::from({0.5f, -1, 2}));
    h = reshape(x * x, {3, 1});
    loss = sum(h * 2 + h);
    backward(loss, {.keep_intermediate_grads = keep});
  };
  Var x1, h1, l1, x2, h2, l2;
  run(true, x1, h1, l1);
  run(false, x2, h2, l2);
  EXPECT_TRUE(h1.has_grad());
  EXPECT_FALSE(h2.has_grad());
  EXPECT_TRUE(l2.has_grad());  // the output keeps its seed
  EXPECT_EQ(x1.grad().to_vector(), x2.grad().to_vector());
  EXPECT_EQ(x2.grad().to_vector(), (std::vector<real>{3, -6, 12}));  // d/dx 3x² = 6x
}

// Three AdamW steps of a GPT whose activations are a few hundred thousand values, so that every
// kernel that splits work over the pool does split it; returns all parameters, flattened.
std::vector<real> train_three_steps(int threads) {
  set_num_threads(threads);
  Rng rng(21);
  GPT gpt(GPTConfig{.vocab = 17, .block = 32, .n_layer = 1, .n_head = 2, .d_model = 128}, rng);
  AdamW opt(gpt.parameters(), {.lr = 1e-2f, .weight_decay = 0.1f});
  for (int step = 0; step < 3; ++step) {
    Tensor x({8, 32}), y({8, 32});
    for (real& v : x) v = real(rng.below(17));
    for (real& v : y) v = real(rng.below(17));
    backward(gpt.loss(x, y), {.keep_intermediate_grads = false});
    opt.step();
    opt.zero_grad();
  }
  std::vector<real> all;
  for (const Var& p : gpt.parameters()) all.insert(all.end(), p.value().begin(), p.value().end());
  return all;
}

TEST(GradAccumulation, TrainingStepsGiveTheSameBitsOnOneTwoOrThreeThreads) {
  const testing_util::KeepThreadCount keep;
  const std::vector<real> one = train_three_steps(1), two = train_three_steps(2), three = train_three_steps(3);
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, three);
}

}  // namespace
}  // namespace atn
