// Layout kernels: transpose, permute, narrow/slice, concat, split/chunk, squeeze/unsqueeze.
//
// Tensors are always contiguous (see tensor.h), so every kernel here that changes the order of
// the elements writes a new tensor. Only squeeze/unsqueeze, which just rename the shape, are
// views. No gradients here; autograd/ops_shape.h builds the differentiable versions on these.
#pragma once
#include <limits>
#include <vector>

#include "tensor/tensor.h"

namespace atn {

// Swaps two axes (negative axes count from the end). transpose(t) swaps the last two, the
// Kᵀ of attention.
Tensor transpose(const Tensor& t, int64_t axis0, int64_t axis1);
Tensor transpose(const Tensor& t);

// Output axis i is input axis dims[i]: permute(x [B,T,H,D], {0,2,1,3}) → [B,H,T,D].
// dims must hold each axis exactly once (negative axes allowed).
Tensor permute(const Tensor& t, const std::vector<int64_t>& dims);
// The permutation that undoes `dims` (dims already validated and non-negative).
std::vector<int64_t> inverse_permutation(const std::vector<int64_t>& dims);

// Elements [start, start+length) along `axis`. A negative start counts from the end; the
// range must lie inside the axis (no clamping: a wrong range is a bug worth hearing about).
Tensor narrow(const Tensor& t, int64_t axis, int64_t start, int64_t length);

// Python's t[..., start:stop:step, ...] along `axis`: negative start/stop count from the end,
// both are clamped into [0, size] as in Python, and step must be positive.
inline constexpr int64_t to_end = std::numeric_limits<int64_t>::max();  // "stop" meaning "to the end"
Tensor slice(const Tensor& t, int64_t axis, int64_t start, int64_t stop = to_end, int64_t step = 1);

// The backward of narrow and slice: target[..., start + k*step, ...] += src[..., k, ...] for
// k < src.size(axis). src must have target's shape except along `axis`.
void slice_add_(Tensor& target, int64_t axis, int64_t start, int64_t step, const Tensor& src);

// Joins tensors along `axis`; every other size must agree.
Tensor concat(const std::vector<Tensor>& tensors, int64_t axis);

// Cuts `t` along `axis` into pieces of the given sizes, which must add up to t.size(axis).
std::vector<Tensor> split(const Tensor& t, int64_t axis, const std::vector<int64_t>& sizes);
// At most n pieces along `axis`, as torch.chunk: each of ceil(size/n) elements, the last one
// smaller when n does not divide the size. 7 into 3 gives 3, 3, 1; 6 into 4 gives 2, 2, 2 (three
// pieces: a fourth would be empty); 2 into 5 gives 1, 1. So there are never more pieces than the
// axis has elements, except that an empty axis gives one empty piece (torch.chunk gives n there).
// n must be positive.
std::vector<Tensor> chunk(const Tensor& t, int64_t n, int64_t axis);
// The sizes chunk uses, for split() on a tensor or a Var.
std::vector<int64_t> chunk_sizes(const Shape& shape, int64_t n, int64_t axis);

// Views: insert a size-1 axis at `axis` (in [-(dim+1), dim]), or remove a size-1 axis.
Tensor unsqueeze(const Tensor& t, int64_t axis);
Tensor squeeze(const Tensor& t, int64_t axis);

namespace detail {
// Python slice rules resolved against an axis of `size`: the first index and the count.
struct SliceRange {
  int64_t start, length;
};
SliceRange resolve_slice(int64_t size, int64_t start, int64_t stop, int64_t step, const char* op);

// Visits a strided view in row-major order: f(offset, i) with `offset` the element's position
// in the source memory (base + Σ index·stride) and `i` its position in a contiguous copy. The
// last axis is a plain loop; the outer axes advance like an odometer.
template <class F>
void for_each_strided(const Shape& shape, const Shape& strides, int64_t base, F f) {
  const int64_t n = numel(shape);
  if (n == 0) return;
  if (shape.empty()) {
    f(base, int64_t(0));
    return;
  }
  const size_t nd = shape.size();
  const int64_t inner = shape[nd - 1], step = strides[nd - 1];
  std::vector<int64_t> idx(nd, 0);
  int64_t offset = base;
  for (int64_t i = 0; i < n; i += inner) {
    for (int64_t j = 0; j < inner; ++j) f(offset + j * step, i + j);
    for (size_t ax = nd - 1; ax-- > 0;) {
      offset += strides[ax];
      if (++idx[ax] < shape[ax]) break;
      offset -= strides[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}
}  // namespace detail

}  // namespace atn
