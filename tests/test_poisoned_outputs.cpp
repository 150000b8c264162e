// Kernels whose output starts uninitialized (Tensor::empty) must write every element. With the
// allocator's poison on, every new block starts as NaN: an element left unwritten shows up as NaN
// and the result differs from the one computed with poison off.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "autograd/ops_loss.h"
#include "tensor/allocator.h"
#include "tensor/index_ops.h"
#include "tensor/reduce.h"
#include "test_util.h"

namespace atn {
namespace {

using testing_util::KeepThreadCount;

struct PoisonOff {
  ~PoisonOff() { set_allocator_poison(false); }
};

std::vector<uint32_t> bits(const Tensor& t) {
  std::vector<uint32_t> out;
  for (real x : t) out.push_back(std::bit_cast<uint32_t>(x));
  return out;
}

// f() computed with poison off and on gives the same bits and no NaN.
void expect_fully_written(const char* what, const std::function<Tensor()>& f) {
  PoisonOff restore;
  set_allocator_poison(false);
  const Tensor clean = f();
  set_allocator_poison(true);
  const Tensor poisoned = f();
  set_allocator_poison(false);
  for (real x : clean) ASSERT_FALSE(std::isnan(x)) << what;
  EXPECT_EQ(bits(poisoned), bits(clean)) << what;
}

TEST(PoisonedOutputs, IndexAndReduceKernelsWriteEveryElement) {
  Rng rng(5);
  const Tensor x = Tensor::randn({4, 6, 5}, rng);
  const Tensor ids = Tensor::from({3, 0, 3, 5}, {2, 2});
  const Tensor weight = Tensor::randn({7, 3}, rng);
  expect_fully_written("embedding", [&] { return embedding(weight, Tensor::from({6, 0, 2})); });
  expect_fully_written("index_select axis 1", [&] { return index_select(x, 1, ids); });
  Tensor index = Tensor::empty({4, 2, 5});
  for (real& v : index) v = real(rng.below(6));
  expect_fully_written("gather", [&] { return gather(x, 1, index); });
  const Tensor cond = Tensor::from({1, 0, 0, 1, 1}, {5});
  expect_fully_written("where with broadcasting", [&] { return where(cond, x, Tensor::scalar(-2)); });
  for (int64_t axis = 0; axis < 3; ++axis) {
    expect_fully_written("sum along an axis", [&] { return sum(x, axis, false); });
    expect_fully_written("max along an axis", [&] { return max(x, axis, true); });
    expect_fully_written("argmax along an axis", [&] { return argmax(x, axis, false); });
  }
  expect_fully_written("sum_to", [&] { return sum_to(x, {6, 1}); });
}

TEST(PoisonedOutputs, CrossEntropyWritesEveryGradientElementIgnoredRowsToo) {
  KeepThreadCount keep;
  Rng rng(6);
  const Tensor logits = Tensor::randn({50, 9}, rng);
  Tensor targets = Tensor::empty({50});
  for (int64_t i = 0; i < 50; ++i) targets[i] = i % 4 == 0 ? -100 : real(rng.below(9));
  auto grad = [&] {
    Var x = param(logits.clone());
    backward(cross_entropy(x, targets));
    return x.grad().clone();
  };
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    expect_fully_written("cross_entropy gradient", grad);
  }
}

}  // namespace
}  // namespace atn
