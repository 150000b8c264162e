#include "tensor/shape_ops.h"

#include <algorithm>
#include <cstring>

#include "tensor/reduce.h"

namespace atn {

namespace {
// A contiguous copy of `length` elements along `axis`, the first at `start`, `step` apart.
// Every other axis is copied whole. The view is described by strides into t's memory, so one
// loop serves narrow, slice and split.
Tensor take_range(const Tensor& t, int64_t axis, int64_t start, int64_t length, int64_t step) {
  Shape shape = t.shape();
  shape[size_t(axis)] = length;
  Shape strides = contiguous_strides(t.shape());
  const int64_t base = start * strides[size_t(axis)];
  // With two or more elements, step < size, so this stays inside t; with one, the step is never
  // taken and may be anything (slice's step can be INT64_MAX).
  if (length > 1) strides[size_t(axis)] *= step;
  Tensor out = Tensor::empty(shape);
  const real* src = t.data();
  real* dst = out.data();
  detail::for_each_strided(shape, strides, base, [&](int64_t from, int64_t i) { dst[i] = src[from]; });
  return out;
}
}  // namespace

Tensor transpose(const Tensor& t, int64_t axis0, int64_t axis1) {
  const int64_t a0 = normalize_axis(axis0, t.dim(), "transpose");
  const int64_t a1 = normalize_axis(axis1, t.dim(), "transpose");
  std::vector<int64_t> dims(size_t(t.dim()));
  for (size_t i = 0; i < dims.size(); ++i) dims[i] = int64_t(i);
  std::swap(dims[size_t(a0)], dims[size_t(a1)]);
  return permute(t, dims);
}

Tensor transpose(const Tensor& t) {
  if (t.dim() < 2)
    fail("transpose: needs at least 2 dimensions to swap the last two, got shape ", to_string(t.shape()));
  return transpose(t, -2, -1);
}

Tensor permute(const Tensor& t, const std::vector<int64_t>& dims) {
  const int64_t nd = t.dim();
  std::vector<int64_t> axes(dims.size());
  std::vector<bool> seen(size_t(nd), false);
  bool ok = int64_t(dims.size()) == nd;
  for (size_t i = 0; ok && i < dims.size(); ++i) {
    const int64_t d = dims[i] < 0 ? dims[i] + nd : dims[i];
    ok = d >= 0 && d < nd && !seen[size_t(d)];
    if (ok) seen[size_t(d)] = true;
    axes[i] = d;
  }
  if (!ok) fail("permute: ", to_string(dims), " is not a permutation of the ", nd, " axes of ", to_string(t.shape()));

  // Output axis i walks the input with the stride of input axis axes[i].
  const Shape in_strides = contiguous_strides(t.shape());
  Shape shape(static_cast<size_t>(nd)), strides(static_cast<size_t>(nd));
  for (size_t i = 0; i < size_t(nd); ++i) {
    shape[i] = t.shape()[size_t(axes[i])];
    strides[i] = in_strides[size_t(axes[i])];
  }
  Tensor out = Tensor::empty(shape);
  const real* src = t.data();
  real* dst = out.data();
  detail::for_each_strided(shape, strides, 0, [&](int64_t from, int64_t i) { dst[i] = src[from]; });
  return out;
}

std::vector<int64_t> inverse_permutation(const std::vector<int64_t>& dims) {
  std::vector<int64_t> inv(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) inv[size_t(dims[i])] = int64_t(i);
  return inv;
}

Tensor narrow(const Tensor& t, int64_t axis, int64_t start, int64_t length) {
  const int64_t ax = normalize_axis(axis, t.dim(), "narrow");
  const int64_t n = t.shape()[size_t(ax)];
  const int64_t s = start < 0 ? start + n : start;
  // length > n − s rather than s + length > n, which can overflow.
  if (s < 0 || length < 0 || s > n || length > n - s)
    fail("narrow: ", length, " elements from ", start, " out of range for axis ", ax, " (size ", n, ") of ",
         to_string(t.shape()));
  return take_range(t, ax, s, length, 1);
}

namespace detail {
SliceRange resolve_slice(int64_t size, int64_t start, int64_t stop, int64_t step, const char* op) {
  if (step <= 0) fail(op, ": step must be positive, got ", step);
  // Python: a negative bound counts from the end; then both are clamped into [0, size].
  auto clamp_bound = [size](int64_t b) {
    if (b < 0) b = std::max<int64_t>(b + size, 0);
    return std::min(b, size);
  };
  const int64_t lo = clamp_bound(start), hi = clamp_bound(stop);
  const int64_t length = hi > lo ? (hi - lo - 1) / step + 1 : 0;  // ceil((hi-lo)/step), no overflow
  return {lo, length};
}
}  // namespace detail

Tensor slice(const Tensor& t, int64_t axis, int64_t start, int64_t stop, int64_t step) {
  const int64_t ax = normalize_axis(axis, t.dim(), "slice");
  const auto r = detail::resolve_slice(t.shape()[size_t(ax)], start, stop, step, "slice");
  return take_range(t, ax, r.start, r.length, step);
}

void slice_add_(Tensor& target, int64_t axis, int64_t start, int64_t step, const Tensor& src) {
  const int64_t ax = normalize_axis(axis, target.dim(), "slice_add_");
  Shape expected = target.shape();
  if (src.dim() == target.dim()) expected[size_t(ax)] = src.shape()[size_t(ax)];
  const int64_t n = target.shape()[size_t(ax)], length = expected[size_t(ax)];
  // The last position written, start + (length − 1)·step, must be below n; checked by division.
  // (step and start are checked first: the division needs step > 0, and n − 1 − start start ≥ 0.)
  const bool fits = step > 0 && start >= 0 && (length == 0 || (start < n && length - 1 <= (n - 1 - start) / step));
  if (src.shape() != expected || !fits)
    fail("slice_add_: cannot add ", to_string(src.shape()), " into ", to_string(target.shape()), " at axis ", ax,
         " from ", start, " with step ", step);
  Shape strides = contiguous_strides(target.shape());
  const int64_t base = start * strides[size_t(ax)];
  if (length > 1) strides[size_t(ax)] *= step;
  real* dst = target.data();
  const real* from = src.data();
  detail::for_each_strided(src.shape(), strides, base, [&](int64_t to, int64_t i) { dst[to] += from[i]; });
}

Tensor concat(const std::vector<Tensor>& tensors, int64_t axis) {
  if (tensors.empty()) fail("concat: no tensors to join");
  const Shape& first = tensors[0].shape();
  const int64_t ax = normalize_axis(axis, tensors[0].dim(), "concat");
  Shape shape = first;
  shape[size_t(ax)] = 0;
  for (size_t k = 0; k < tensors.size(); ++k) {
    const Shape& s = tensors[k].shape();
    bool same = s.size() == first.size();
    for (size_t d = 0; same && d < s.size(); ++d) same = int64_t(d) == ax || s[d] == first[d];
    if (!same)
      fail("concat: tensor ", k, " has shape ", to_string(s), ", which does not match ", to_string(first),
           " outside axis ", ax);
    if (__builtin_add_overflow(shape[size_t(ax)], s[size_t(ax)], &shape[size_t(ax)]))
      fail("concat: the sizes along axis ", ax, " add up to more than an int64_t holds");
  }
  numel(shape, "concat");
  // Seen as [outer, n, inner] around the axis, each input contributes one block of n·inner
  // contiguous values to every one of the `outer` rows of the output.
  Tensor out = Tensor::empty(shape);  // the inputs fill it exactly
  const auto v = detail::axis_view(shape, ax);
  int64_t offset = 0;  // where this input's block starts inside an output row
  for (const Tensor& t : tensors) {
    const int64_t block = t.shape()[size_t(ax)] * v.inner;
    for (int64_t o = 0; o < v.outer; ++o)
      std::copy_n(t.data() + o * block, block, out.data() + o * v.n * v.inner + offset);
    offset += block;
  }
  return out;
}

std::vector<Tensor> split(const Tensor& t, int64_t axis, const std::vector<int64_t>& sizes) {
  const int64_t ax = normalize_axis(axis, t.dim(), "split");
  const int64_t n = t.shape()[size_t(ax)];
  int64_t total = 0;
  bool ok = true;
  for (int64_t s : sizes) {
    ok = ok && s >= 0 && s <= n - total;  // the running total never passes n, so never overflows
    if (ok) total += s;
  }
  if (!ok || total != n)
    fail("split: sizes ", to_string(sizes), " do not add up to axis ", ax, " (size ", t.shape()[size_t(ax)], ") of ",
         to_string(t.shape()));
  std::vector<Tensor> pieces;
  int64_t start = 0;
  for (int64_t s : sizes) {
    pieces.push_back(take_range(t, ax, start, s, 1));
    start += s;
  }
  return pieces;
}

std::vector<int64_t> chunk_sizes(const Shape& shape, int64_t n, int64_t axis) {
  const int64_t ax = normalize_axis(axis, int64_t(shape.size()), "chunk");
  if (n <= 0) fail("chunk: the number of pieces must be positive, got ", n, " for ", to_string(shape));
  const int64_t size = shape[size_t(ax)];
  if (size == 0) return {0};
  // Both ceilings written as quotient + (remainder ≠ 0): (size + n − 1)/n overflows for huge n.
  const int64_t piece = size / n + (size % n != 0);
  const int64_t count = size / piece + (size % piece != 0);
  std::vector<int64_t> sizes(size_t(count), piece);
  sizes.back() = size - piece * (count - 1);
  return sizes;
}

std::vector<Tensor> chunk(const Tensor& t, int64_t n, int64_t axis) {
  return split(t, axis, chunk_sizes(t.shape(), n, axis));
}

Tensor unsqueeze(const Tensor& t, int64_t axis) {
  const int64_t ax = normalize_axis(axis, t.dim() + 1, "unsqueeze");
  Shape shape = t.shape();
  shape.insert(shape.begin() + ax, 1);
  return t.reshape(shape);
}

Tensor squeeze(const Tensor& t, int64_t axis) {
  const int64_t ax = normalize_axis(axis, t.dim(), "squeeze");
  if (t.shape()[size_t(ax)] != 1)
    fail("squeeze: axis ", ax, " of ", to_string(t.shape()), " has size ", t.shape()[size_t(ax)], ", not 1");
  Shape shape = t.shape();
  shape.erase(shape.begin() + ax);
  return t.reshape(shape);
}

}  // namespace atn
