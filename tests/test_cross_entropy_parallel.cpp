// cross_entropy computes its rows over the thread pool (autograd/ops_loss.cpp). The loss and the
// gradient must not change a bit with the thread count, nor against the straightforward serial
// computation written out here: one row after the other, the loss summed in row order.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <vector>

#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "tensor/softmax.h"
#include "test_util.h"

namespace atn {
namespace {

using testing_util::KeepThreadCount;

std::vector<uint32_t> bits(const Tensor& t) {
  std::vector<uint32_t> out;
  for (real x : t) out.push_back(std::bit_cast<uint32_t>(x));
  return out;
}

// The smoothed target weight of class j in a row whose class is c, as the header defines it.
double target_weight(const CrossEntropyOptions& o, int64_t classes, int64_t j, int64_t c) {
  const double eps = o.label_smoothing;
  if (eps == 0) return j == c ? 1.0 : 0.0;
  if (o.smoothing_style == SmoothingStyle::pytorch) return j == c ? 1 - eps + eps / double(classes) : eps / double(classes);
  if (j == c) return 1 - eps;
  return j == o.ignore_index ? 0.0 : eps / double(classes - 2);
}

struct Result {
  Tensor loss, grad;
};

// The serial reference for logits [rows, C]. The gradient is of Σ_i w_i·loss_i for `none` (w
// given), of the loss itself for mean and sum.
Result reference(const Tensor& logits, const Tensor& targets, const CrossEntropyOptions& o, const Tensor& w) {
  const int64_t C = logits.shape().back(), rows = logits.numel() / C;
  std::vector<double> losses(size_t(rows), 0.0);
  std::vector<real> lp(size_t(C), 0);
  int64_t count = 0;
  for (int64_t i = 0; i < rows; ++i) {
    if (targets[i] == real(o.ignore_index)) continue;
    ++count;
    const auto c = int64_t(targets[i]);
    detail::log_softmax_row(logits.data() + i * C, lp.data(), C);
    for (int64_t j = 0; j < C; ++j) {
      const double q = target_weight(o, C, j, c);
      if (q != 0) losses[size_t(i)] -= q * lp[size_t(j)];
    }
  }
  Result r;
  if (o.reduction == Reduction::none) {
    r.loss = Tensor::empty({rows});
    for (int64_t i = 0; i < rows; ++i) r.loss[i] = real(losses[size_t(i)]);
  } else {
    double total = 0;
    for (double l : losses) total += l;
    if (o.reduction == Reduction::mean) total = count > 0 ? total / double(count) : 0.0;
    r.loss = Tensor::scalar(real(total));
  }
  r.grad = Tensor::zeros(logits.shape());
  for (int64_t i = 0; i < rows; ++i) {
    if (targets[i] == real(o.ignore_index)) continue;
    const auto c = int64_t(targets[i]);
    real* row = r.grad.data() + i * C;
    detail::softmax_row(logits.data() + i * C, row, C);
    const real s = o.reduction == Reduction::none ? w[i]
                   : o.reduction == Reduction::sum ? real(1)
                                                   : real(1) / real(count);
    for (int64_t j = 0; j < C; ++j) row[j] = (row[j] - real(target_weight(o, C, j, c))) * s;
  }
  return r;
}

Result run(const Tensor& logits, const Tensor& targets, const CrossEntropyOptions& o, const Tensor& w, int threads) {
  set_num_threads(threads);
  Var x = param(logits.clone());
  Var loss = cross_entropy(x, targets, o);
  Result r{loss.value().clone(), {}};
  backward(o.reduction == Reduction::none ? sum(mul(loss, constant(w))) : loss);
  r.grad = x.grad().clone();
  return r;
}

// Random logits [rows, C] and targets, about one row in five set to ignore_index.
void expect_same_bits(int64_t rows, int64_t C, const CrossEntropyOptions& o) {
  KeepThreadCount keep;
  Rng rng(uint64_t(rows * 1000 + C));
  const Tensor logits = Tensor::randn({rows, C}, rng, 0, 3);
  Tensor targets = Tensor::empty({rows});
  for (int64_t i = 0; i < rows; ++i) {
    const auto c = real(rng.below(uint64_t(C)));
    targets[i] = rng.below(5) == 0 ? real(o.ignore_index) : c;
  }
  const Tensor w = Tensor::randn({rows}, rng);
  const Result want = reference(logits, targets, o, w);
  const Result one = run(logits, targets, o, w, 1);
  const Result two = run(logits, targets, o, w, 2);
  EXPECT_EQ(bits(one.loss), bits(want.loss)) << "loss, 1 thread vs reference, " << rows << "x" << C;
  EXPECT_EQ(bits(two.loss), bits(one.loss)) << "loss, 2 threads vs 1, " << rows << "x" << C;
  EXPECT_EQ(bits(one.grad), bits(want.grad)) << "gradient, 1 thread vs reference, " << rows << "x" << C;
  EXPECT_EQ(bits(two.grad), bits(one.grad)) << "gradient, 2 threads vs 1, " << rows << "x" << C;
}

// Shapes with many chunks of rows (GPT's 768 x 65), rows longer than a chunk, and a few rows.
TEST(CrossEntropyParallel, MeanWithoutSmoothingIsTheSerialComputation) {
  expect_same_bits(768, 65, {});
  expect_same_bits(9, 5000, {});
  expect_same_bits(3, 4, {});
}

TEST(CrossEntropyParallel, SumWithPyTorchSmoothingIsTheSerialComputation) {
  expect_same_bits(1000, 7, {.label_smoothing = 0.1f, .reduction = Reduction::sum});
  expect_same_bits(200, 65, {.label_smoothing = 0.1f, .reduction = Reduction::sum});
}

TEST(CrossEntropyParallel, AnnotatedSmoothingWithPaddingIsTheSerialComputation) {
  const CrossEntropyOptions o{.ignore_index = 0,
                              .label_smoothing = 0.2f,
                              .smoothing_style = SmoothingStyle::annotated_transformer};
  expect_same_bits(500, 33, o);
}

TEST(CrossEntropyParallel, NoReductionIsTheSerialComputation) {
  expect_same_bits(700, 65, {.reduction = Reduction::none});
  expect_same_bits(300, 11, {.label_smoothing = 0.3f, .reduction = Reduction::none});
}

// The bit comparison can fail: the same rows summed in another order give another float.
TEST(CrossEntropyParallel, AnotherSummationOrderChangesTheBits) {
  Rng rng(3);
  const Tensor logits = Tensor::randn({768, 65}, rng, 0, 3);
  Tensor targets = Tensor::empty({768});
  for (int64_t i = 0; i < 768; ++i) targets[i] = real(rng.below(65));
  const Tensor per_row = cross_entropy(constant(logits), targets, {.reduction = Reduction::none}).value();
  float forward = 0, backward_order = 0;
  for (int64_t i = 0; i < 768; ++i) forward += per_row[i];
  for (int64_t i = 768; i-- > 0;) backward_order += per_row[i];
  EXPECT_NE(std::bit_cast<uint32_t>(forward), std::bit_cast<uint32_t>(backward_order));
}

}  // namespace
}  // namespace atn
