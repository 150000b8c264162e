// Sizes that overflow int64_t or ask for absurd amounts of memory: each is an atn::Error naming
// the op, never a crash, a std::length_error or a tensor with a wrapped-around element count.
// (tests/test_fuzz_sizes.cpp throws thousands of such values at every op; these are the
// cases found by hand, kept readable.)
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "tensor/elementwise.h"
#include "tensor/index_ops.h"
#include "tensor/matmul.h"
#include "tensor/reduce.h"
#include "tensor/shape_ops.h"

namespace atn {
namespace {

constexpr int64_t kMax = INT64_MAX;
constexpr int64_t k2to32 = int64_t(1) << 32;

// Runs f, which must throw an atn::Error whose message starts with `prefix` (the op's name).
template <class F>
void expect_error_from(const std::string& prefix, F f) {
  try {
    f();
    ADD_FAILURE() << "expected an Error starting with \"" << prefix << "\"";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0u) << e.what();
  }
}

TEST(HostileSizes, ShapesWhoseElementCountOverflowsAreRefused) {
  // 2^32 · 2^32 = 2^64 wraps to 0 in int64_t: this used to build an "empty" tensor.
  expect_error_from("Tensor: shape [4294967296, 4294967296] is too large", [] { Tensor({k2to32, k2to32}); });
  expect_error_from("Tensor:", [] { Tensor::zeros({kMax, 2}); });
  expect_error_from("Tensor:", [] { Tensor({max_numel + 1}); });
  // Even with no elements at all: every partial product of a shape must fit.
  expect_error_from("Tensor:", [] { Tensor({0, kMax, kMax}); });
  expect_error_from("Tensor:", [] { Tensor::from({1, 2}, {k2to32, k2to32, 2}); });
  expect_error_from("Tensor: negative size", [] { Tensor({2, -3}); });
  EXPECT_EQ(numel({0, max_numel}), 0);  // at the limit: allowed
  EXPECT_EQ(numel({max_numel}), max_numel);
}

TEST(HostileSizes, ReshapeRefusesAnOverflowingShapeBeforeAnyKernelRuns) {
  // (2^62 + 1) · 4 wraps to 4: the reshape was accepted and sum(·, 0) then read far outside.
  const int64_t big = (int64_t(1) << 62) + 1;
  expect_error_from("reshape:", [big] { Tensor({4}).reshape({big, 4}); });
  expect_error_from("reshape:", [big] { Tensor({4}).reshape({big, -1}); });
  expect_error_from("reshape:", [] { Tensor({0}).reshape({k2to32, k2to32, 0}); });
  expect_error_from("reshape:", [big] { reshape(param(Tensor({4})), {big, 4}); });
  EXPECT_EQ(Tensor({4}).reshape({2, -1}).shape(), (Shape{2, 2}));
}

TEST(HostileSizes, NarrowAndSliceRangesThatOverflow) {
  const Tensor a = Tensor::zeros({2, 3, 1});
  // 2 + INT64_MAX wraps below 3: this used to throw std::length_error or return [INT64_MAX, 0, 1].
  expect_error_from("narrow:", [&] { narrow(a, 1, 2, kMax); });
  expect_error_from("narrow:", [&] { narrow(a, 1, -1, kMax); });
  expect_error_from("narrow:", [&] { narrow(a, 1, kMax, 1); });
  expect_error_from("narrow:", [&] { narrow(a, 1, INT64_MIN, 1); });
  expect_error_from("narrow:", [&] { narrow(param(a), 1, 2, kMax); });
  expect_error_from("narrow0:", [&] { a.narrow0(1, kMax); });
  expect_error_from("narrow0:", [&] { a.narrow0(kMax, 1); });
  EXPECT_EQ(narrow(a, 1, 3, 0).shape(), (Shape{2, 0, 1}));  // an empty range at the end is fine
  // A step of INT64_MAX takes the first element only (start · stride must not overflow either).
  const Tensor t = Tensor::arange(6).reshape({2, 3});
  EXPECT_EQ(slice(t, 1, 1, to_end, kMax).to_vector(), (std::vector<real>{1, 4}));
  EXPECT_EQ(slice(t, 1, INT64_MIN, kMax, kMax).to_vector(), (std::vector<real>{0, 3}));
  Tensor target = Tensor::zeros({2, 3});
  expect_error_from("slice_add_:", [&] { slice_add_(target, 1, 1, kMax, Tensor::ones({2, 2})); });
  expect_error_from("slice_add_:", [&] { slice_add_(target, 1, kMax, 1, Tensor::ones({2, 1})); });
  slice_add_(target, 1, 2, kMax, Tensor::ones({2, 1}));
  EXPECT_EQ(target.to_vector(), (std::vector<real>{0, 0, 1, 0, 0, 1}));
}

TEST(HostileSizes, SplitConcatAndChunkCounts) {
  const Tensor a = Tensor::zeros({3, 2});
  // INT64_MAX + 4 wraps to 3 (the axis size): this used to throw std::length_error.
  expect_error_from("split:", [&] { split(a, 0, {kMax, 4}); });
  expect_error_from("split:", [&] { split(a, 0, {kMax, kMax, 5}); });
  expect_error_from("split:", [&] { split(param(a), 0, {kMax, 4}); });
  expect_error_from("chunk:", [&] { chunk(a, INT64_MIN, 0); });
  expect_error_from("chunk:", [&] { chunk(param(a), 0, 0); });
  // Empty tensors may have large sizes, but not an axis that adds up past the limit.
  const Tensor e = Tensor::zeros({max_numel / 2, 0});
  EXPECT_EQ(concat({e, e}, 0).shape(), (Shape{max_numel, 0}));
  expect_error_from("concat:", [&] { concat({e, e, e}, 0); });
}

TEST(HostileSizes, OutputsThatWouldBeTooLargeNameTheirOp) {
  // Each input is empty (no memory), but the result would have 2^60 elements.
  const int64_t b30 = int64_t(1) << 30;
  const Tensor a = Tensor::zeros({b30, 1, 0}), b = Tensor::zeros({1, b30, 0});
  expect_error_from("add:", [&] { add(a, b); });
  expect_error_from("add:", [&] { add(param(a), param(b)); });
  expect_error_from("matmul:", [&] { matmul(Tensor::zeros({b30, 1, 2, 0}), Tensor::zeros({1, b30, 0, 2})); });
  expect_error_from("index_select:", [] { index_select(Tensor::zeros({2, 0, 4}), 0, Tensor::zeros({max_numel, 0})); });
  expect_error_from("scatter_add:", [] { scatter_add({k2to32, k2to32}, 0, Tensor({1, 1}), Tensor({1, 1})); });
  expect_error_from("sum_to:", [] { sum_to(Tensor::zeros({2}), {k2to32, k2to32}); });
  expect_error_from("arange:", [] { Tensor::arange(0, 1e30f); });
  expect_error_from("arange:", [] { Tensor::arange(0, 1, 1e-30f); });
  expect_error_from("arange:", [] { Tensor::arange(0, NAN); });
  expect_error_from("arange:", [] { Tensor::arange(0, INFINITY); });
  expect_error_from("arange:", [] { Tensor::arange(kMax); });
  EXPECT_EQ(Tensor::arange(-5).numel(), 0);
}

}  // namespace
}  // namespace atn
