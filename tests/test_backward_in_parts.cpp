// backward_in_parts (autograd/backward_in_parts.h), the HeldGradients under it, and a language
// model's batch cut into parts (models/batch_parts.h): the gradient is the weighted sum of the
// parts' gradients, with the same bits on any thread count whether the parts ran side by side
// or one after the other, and bad input is an Error that changes no gradient.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "autograd/backward_in_parts.h"
#include "autograd/held_gradients.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "autograd/tape.h"
#include "models/batch_parts.h"
#include "models/gpt.h"
#include "tensor/thread_pool.h"
#include "tests/test_util.h"

namespace atn {
namespace {

std::vector<uint32_t> bits_of_grads(const std::vector<Var>& params) {
  std::vector<uint32_t> bits;
  for (const Var& p : params)
    for (real v : p.grad()) bits.push_back(std::bit_cast<uint32_t>(v));
  return bits;
}

std::vector<real> grads(const std::vector<Var>& params) {
  std::vector<real> all;
  for (const Var& p : params) all.insert(all.end(), p.grad().begin(), p.grad().end());
  return all;
}

// A GPT with activations big enough (d 128, T 32) that its kernels split work over the pool
// when a part runs alone; token ids and targets from a fixed seed.
struct SmallGPT {
  Rng rng{5};
  GPT gpt{GPTConfig{.vocab = 13, .block = 32, .n_layer = 2, .n_head = 2, .d_model = 128}, rng};
  Tensor x{Shape{5, 32}}, y{Shape{5, 32}};
  SmallGPT() {
    for (real& v : x) v = real(rng.below(13));
    for (real& v : y) v = real(rng.below(13));
  }
};

TEST(HeldGradients, LeafContributionsWaitUntilAddedToTheLeaves) {
  Var a = param(Tensor::from({1, 2, 3}));
  a.accumulate_grad(Tensor::from({10, 10, 10}));  // a gradient from before
  Var h;
  HeldGradients held;
  {
    const HoldLeafGradients hold(held);
    h = a * 2;  // an intermediate: its gradient is not held
    backward(sum(h * h), {.keep_intermediate_grads = true});
  }
  EXPECT_EQ(a.grad().to_vector(), (std::vector<real>{10, 10, 10}));  // untouched so far
  EXPECT_EQ(h.grad().to_vector(), (std::vector<real>{4, 8, 12}));    // d(h²)/dh = 2h
  EXPECT_EQ(held.size(), 1u);
  held.add_to_leaves();
  EXPECT_EQ(a.grad().to_vector(), (std::vector<real>{18, 26, 34}));  // 10 + 2h·2
  EXPECT_EQ(held.size(), 0u);
}

TEST(BackwardInParts, GivesTheWeightedSumOfThePartsGradients) {
  // loss_0 = Σ a², loss_1 = Σ a·b: grad a = 0.25·2a + 0.75·b, grad b = 0.75·a.
  Var a = param(Tensor::from({1, -2, 3})), b = param(Tensor::from({0.5f, 4, -1}));
  const std::vector<real> losses =
      backward_in_parts({[&] { return sum(a * a); }, [&] { return sum(a * b); }}, {0.25f, 0.75f}, true);
  EXPECT_EQ(losses, (std::vector<real>{14, -10.5f}));
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_FLOAT_EQ(a.grad()[i], 0.25f * 2 * a.value()[i] + 0.75f * b.value()[i]);
    EXPECT_FLOAT_EQ(b.grad()[i], 0.75f * a.value()[i]);
  }
}

TEST(BackwardInParts, AgreesWithFiniteDifferencesOfTheWeightedLoss) {
  Rng rng(3);
  Var w = param(Tensor::randn({3, 4}, rng)), x1 = constant(Tensor::randn({2, 3}, rng)),
      x2 = constant(Tensor::randn({5, 3}, rng));
  auto part1 = [&] { return mean(tanh(matmul(x1, w))); };
  auto part2 = [&] { return sum(matmul(x2, w) * matmul(x2, w)); };
  const std::vector<real> weights{0.3f, -1.5f};
  backward_in_parts({part1, part2}, weights, true);
  const Tensor analytic = w.grad().clone();
  auto total = [&] {
    const NoGrad no_grad;
    return double(weights[0]) * part1().item() + double(weights[1]) * part2().item();
  };
  const double eps = 1e-3;
  for (int64_t i = 0; i < w.numel(); ++i) {
    const real saved = w.value()[i];
    w.value()[i] = saved + real(eps);
    const double up = total();
    w.value()[i] = saved - real(eps);
    const double down = total();
    w.value()[i] = saved;
    EXPECT_NEAR(analytic[i], (up - down) / (2 * eps), 2e-2 * (1 + std::abs(analytic[i]))) << "element " << i;
  }
}

TEST(BackwardInParts, SameBitsOnAnyThreadCountSideBySideOrInOrder) {
  const testing_util::KeepThreadCount keep;
  std::vector<uint32_t> reference;
  real reference_loss = 0;
  for (const int threads : {1, 2, 3})
    for (const bool concurrently : {true, false}) {
      set_num_threads(threads);
      SmallGPT m;
      const real loss = backward_in_batch_parts(m.gpt, m.x, m.y, 2, concurrently);
      const std::vector<uint32_t> bits = bits_of_grads(m.gpt.parameters());
      if (reference.empty()) {
        reference = bits;
        reference_loss = loss;
        continue;
      }
      EXPECT_EQ(bits, reference) << threads << " threads, concurrently " << concurrently;
      EXPECT_EQ(std::bit_cast<uint32_t>(loss), std::bit_cast<uint32_t>(reference_loss));
    }
}

TEST(BackwardInParts, BatchPartsGiveTheWholeBatchGradient) {
  const testing_util::KeepThreadCount keep;
  set_num_threads(2);
  SmallGPT whole;
  const Var loss = whole.gpt.loss(whole.x, whole.y);
  backward(loss);
  const std::vector<real> expected = grads(whole.gpt.parameters());
  for (const int64_t parts : {1, 2, 3, 5}) {  // 5 rows into 3: blocks of 2, 2, 1
    SmallGPT m;
    const real l = backward_in_batch_parts(m.gpt, m.x, m.y, parts, true);
    EXPECT_NEAR(l, loss.item(), 1e-5f) << parts << " parts";
    const std::vector<real> got = grads(m.gpt.parameters());
    ASSERT_EQ(got.size(), expected.size());
    double worst = 0;
    for (size_t i = 0; i < got.size(); ++i)
      worst = std::max(worst, std::abs(double(got[i]) - double(expected[i])) / (1e-3 + std::abs(double(expected[i]))));
    EXPECT_LT(worst, 1e-3) << parts << " parts";
  }
}

TEST(BackwardInParts, IgnoredTargetsWeighThePartsByWhatTheyCount) {
  const testing_util::KeepThreadCount keep;
  set_num_threads(2);
  auto mask = [](Tensor& y) {
    for (int64_t t = 0; t < 32; ++t) y[0 * 32 + t] = y[1 * 32 + t] = -1;  // part 0 (rows 0-2) counts one row
    for (int64_t t = 0; t < 20; ++t) y[2 * 32 + t] = -1;                  // ... and 12 targets of a second
  };
  SmallGPT whole;
  mask(whole.y);
  const Var loss = whole.gpt.loss(whole.x, whole.y);
  backward(loss);
  SmallGPT m;
  mask(m.y);
  EXPECT_NEAR(backward_in_batch_parts(m.gpt, m.x, m.y, 2, true), loss.item(), 1e-5f);
  const std::vector<real> got = grads(m.gpt.parameters()), expected = grads(whole.gpt.parameters());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], expected[i], 1e-4f + 1e-3f * std::abs(expected[i])) << i;

  SmallGPT all_ignored_in_one_part;  // rows 0-2 ignored entirely: that part is left out
  for (int64_t i = 0; i < 3 * 32; ++i) all_ignored_in_one_part.y[i] = -1;
  EXPECT_TRUE(std::isfinite(backward_in_batch_parts(all_ignored_in_one_part.gpt, all_ignored_in_one_part.x,
                                                    all_ignored_in_one_part.y, 2, true)));
  for (real g : grads(all_ignored_in_one_part.gpt.parameters())) ASSERT_TRUE(std::isfinite(g));
}

TEST(BackwardInParts, BadInputIsAnErrorThatChangesNoGradient) {
  Var a = param(Tensor::from({1, 2}));
  auto ok = [&] { return sum(a * a); };
  EXPECT_THROW(backward_in_parts({}, {}, true), Error);
  EXPECT_THROW(backward_in_parts({ok, ok}, {1}, true), Error);
  EXPECT_THROW(backward_in_parts({ok}, {NAN}, true), Error);
  EXPECT_THROW(backward_in_parts({[&] { return a * 2; }}, {1}, true), Error);  // not a scalar
  EXPECT_THROW(backward_in_parts({[&] { return Var(); }}, {1}, true), Error);
  {
    const NoGrad no_grad;
    EXPECT_THROW(backward_in_parts({ok}, {1}, true), Error);
  }
  {
    const Var pending = a * 3;  // an entry on this thread's tape
    EXPECT_THROW(backward_in_parts({ok}, {1}, true), Error);
    Tape::current().clear();
  }
  for (const bool concurrently : {true, false}) {
    auto throws = [&]() -> Var {
      (void)(a * 5);  // records, then fails: the part's tape entries must not survive
      throw std::runtime_error("a part failed");
    };
    EXPECT_THROW(backward_in_parts({ok, throws, ok}, {1, 1, 1}, concurrently), std::runtime_error);
    EXPECT_FALSE(a.has_grad());  // the parts that finished gave nothing to a
    EXPECT_EQ(Tape::current().size(), 0u);
  }
  backward_in_parts({ok}, {1}, true);  // and everything still works
  EXPECT_EQ(a.grad().to_vector(), (std::vector<real>{2, 4}));

  SmallGPT m;
  EXPECT_THROW(backward_in_batch_parts(m.gpt, m.x, m.y, 0, true), Error);
  EXPECT_THROW(backward_in_batch_parts(m.gpt, m.x, m.y, 6, true), Error);  // more parts than rows
  EXPECT_THROW(backward_in_batch_parts(m.gpt, m.x, Tensor({5, 31}), 2, true), Error);
  EXPECT_THROW(backward_in_batch_parts(m.gpt, Tensor({160}), Tensor({160}), 2, true), Error);
  EXPECT_THROW(backward_in_batch_parts(m.gpt, m.x, Tensor::full({5, 32}, -1), 2, true), Error);
  Tensor bad_ids = m.x.clone();
  bad_ids[7] = 13;  // outside the vocabulary: the model's own error, from inside a part
  EXPECT_THROW(backward_in_batch_parts(m.gpt, bad_ids, m.y, 2, true), Error);
  for (const Var& p : m.gpt.parameters()) EXPECT_FALSE(p.has_grad());
}

}  // namespace
}  // namespace atn
