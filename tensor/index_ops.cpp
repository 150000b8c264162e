#include "tensor/index_ops.h"

#include <algorithm>
#include <cmath>

#include "tensor/elementwise.h"
#include "tensor/reduce.h"
#include "tensor/shape_ops.h"

namespace atn {

int64_t checked_index(real v, int64_t axis, const Shape& shape, const char* op) {
  // `v != floor(v)` is also true for NaN; infinities fail the range test.
  if (v != std::floor(v)) fail(op, ": index ", v, " is not a whole number");
  const int64_t n = shape[size_t(axis)];
  if (v < 0 || v >= real(n))
    fail(op, ": index ", v, " out of range [0, ", n, ") along axis ", axis, " of ", to_string(shape));
  return int64_t(v);
}

namespace {
// index_select with the op name to report (embedding shares it).
Tensor select_rows(const Tensor& t, int64_t axis, const Tensor& indices, const char* op) {
  const int64_t ax = normalize_axis(axis, t.dim(), op);
  std::vector<int64_t> idx(size_t(indices.numel()));
  for (size_t k = 0; k < idx.size(); ++k) idx[k] = checked_index(indices[int64_t(k)], ax, t.shape(), op);

  // t seen as [outer, n, inner]: the output is [outer, K, inner], row (o, k) a copy of (o, idx[k]).
  Shape shape(t.shape().begin(), t.shape().begin() + ax);
  shape.insert(shape.end(), indices.shape().begin(), indices.shape().end());
  shape.insert(shape.end(), t.shape().begin() + ax + 1, t.shape().end());
  numel(shape, op);  // indices of shape [0, 2^40] may not make an output [.., 0, 2^40, ..] either
  Tensor out = Tensor::empty(shape);  // every row is copied below
  const auto v = detail::axis_view(t.shape(), ax);
  const auto k_count = int64_t(idx.size());
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t k = 0; k < k_count; ++k)
      std::copy_n(t.data() + (o * v.n + idx[size_t(k)]) * v.inner, v.inner, out.data() + (o * k_count + k) * v.inner);
  return out;
}

// Checks what gather and scatter_add_ share: index has t's rank and fits inside t off the axis.
int64_t check_gather_index(const Shape& t, int64_t axis, const Shape& index, const char* op) {
  const int64_t ax = normalize_axis(axis, int64_t(t.size()), op);
  bool ok = index.size() == t.size();
  for (size_t d = 0; ok && d < t.size(); ++d) ok = int64_t(d) == ax || index[d] <= t[d];
  if (!ok)
    fail(op, ": index of shape ", to_string(index), " does not fit ", to_string(t), " (same number of axes, ",
         "no larger than it except along axis ", ax, ")");
  return ax;
}

// For each element of the index (row-major order, position i), calls f(i, offset) with the
// offset in t's memory of the element it names: its own coordinates, except index[i] on the axis.
template <class F>
void for_each_gathered(const Shape& t_shape, int64_t ax, const Tensor& index, const char* op, F f) {
  Shape strides = contiguous_strides(t_shape);
  const int64_t axis_stride = strides[size_t(ax)];
  strides[size_t(ax)] = 0;  // the walk skips the axis; the index supplies that coordinate
  const real* pi = index.data();
  detail::for_each_strided(index.shape(), strides, 0, [&](int64_t base, int64_t i) {
    f(i, base + checked_index(pi[i], ax, t_shape, op) * axis_stride);
  });
}

// A copy of t broadcast to `shape` (which t must broadcast to).
Tensor broadcast_to(const Tensor& t, const Shape& shape, const char* op) {
  if (t.shape() == shape) return t;
  const auto plan = detail::plan_broadcast(t.shape(), shape, op);
  Tensor out = Tensor::empty(shape);  // the walk visits every element
  const real* src = t.data();
  real* dst = out.data();
  detail::for_each_strided(shape, plan.stride_a, 0, [&](int64_t from, int64_t i) { dst[i] = src[from]; });
  return out;
}
}  // namespace

Tensor index_select(const Tensor& t, int64_t axis, const Tensor& indices) {
  return select_rows(t, axis, indices, "index_select");
}

void index_add_(Tensor& target, int64_t axis, const Tensor& indices, const Tensor& src) {
  const int64_t ax = normalize_axis(axis, target.dim(), "index_add_");
  Shape expected(target.shape().begin(), target.shape().begin() + ax);
  expected.insert(expected.end(), indices.shape().begin(), indices.shape().end());
  expected.insert(expected.end(), target.shape().begin() + ax + 1, target.shape().end());
  if (src.shape() != expected)
    fail("index_add_: src ", to_string(src.shape()), " should be ", to_string(expected), " to add into ",
         to_string(target.shape()), " along axis ", ax, " with indices ", to_string(indices.shape()));
  // All indices are checked before anything is written, so a bad one leaves target untouched.
  std::vector<int64_t> idx(size_t(indices.numel()));
  for (size_t k = 0; k < idx.size(); ++k) idx[k] = checked_index(indices[int64_t(k)], ax, target.shape(), "index_add_");
  const auto v = detail::axis_view(target.shape(), ax);
  const auto k_count = int64_t(idx.size());
  for (int64_t k = 0; k < k_count; ++k) {
    const int64_t row = idx[size_t(k)];
    for (int64_t o = 0; o < v.outer; ++o) {
      real* to = target.data() + (o * v.n + row) * v.inner;
      const real* from = src.data() + (o * k_count + k) * v.inner;
      for (int64_t i = 0; i < v.inner; ++i) to[i] += from[i];
    }
  }
}

Tensor embedding(const Tensor& weight, const Tensor& ids) {
  if (weight.dim() != 2) fail("embedding: weight must be 2-D [num, dim], got ", to_string(weight.shape()));
  return select_rows(weight, 0, ids, "embedding");
}

Tensor gather(const Tensor& t, int64_t axis, const Tensor& index) {
  const int64_t ax = check_gather_index(t.shape(), axis, index.shape(), "gather");
  Tensor out = Tensor::empty(index.shape());  // one element per index element
  const real* src = t.data();
  real* dst = out.data();
  for_each_gathered(t.shape(), ax, index, "gather", [&](int64_t i, int64_t from) { dst[i] = src[from]; });
  return out;
}

void scatter_add_(Tensor& target, int64_t axis, const Tensor& index, const Tensor& src) {
  const int64_t ax = check_gather_index(target.shape(), axis, index.shape(), "scatter_add");
  if (src.shape() != index.shape())
    fail("scatter_add: src ", to_string(src.shape()), " and index ", to_string(index.shape()), " differ in shape");
  const real* from = src.data();
  real* dst = target.data();
  for_each_gathered(target.shape(), ax, index, "scatter_add", [&](int64_t i, int64_t to) { dst[to] += from[i]; });
}

Tensor scatter_add(const Shape& shape, int64_t axis, const Tensor& index, const Tensor& src) {
  numel(shape, "scatter_add");
  Tensor out(shape);
  scatter_add_(out, axis, index, src);
  return out;
}

Tensor masked_fill(const Tensor& t, const Tensor& mask, real value) {
  if (broadcast_shapes(t.shape(), mask.shape(), "masked_fill") != t.shape())
    fail("masked_fill: mask ", to_string(mask.shape()), " does not broadcast to ", to_string(t.shape()));
  return zip(t, mask, [value](real x, real m) { return m != 0 ? value : x; }, "masked_fill");
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  // Materializing the three broadcasts keeps the loop trivial; where is never the hot spot.
  const Tensor c = broadcast_to(cond, shape, "where"), x = broadcast_to(a, shape, "where"),
               y = broadcast_to(b, shape, "where");
  Tensor out = Tensor::empty(shape);
  for (int64_t i = 0; i < out.numel(); ++i) out[i] = c[i] != 0 ? x[i] : y[i];
  return out;
}

}  // namespace atn
