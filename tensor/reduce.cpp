#include "tensor/reduce.h"

#include <limits>

#include "tensor/elementwise.h"

namespace atn {

namespace detail {
AxisView axis_view(const Shape& shape, int64_t axis) {
  AxisView v{1, shape[size_t(axis)], 1};
  for (int64_t i = 0; i < axis; ++i) v.outer *= shape[size_t(i)];
  for (size_t i = size_t(axis) + 1; i < shape.size(); ++i) v.inner *= shape[i];
  return v;
}

Shape reduced_shape(const Shape& shape, int64_t axis, bool keepdim) {
  Shape out = shape;
  if (keepdim) out[size_t(axis)] = 1;
  else out.erase(out.begin() + axis);
  return out;
}
}  // namespace detail

Tensor sum(const Tensor& a) {
  double s = 0;  // a double accumulator keeps long float sums accurate
  for (real x : a) s += x;
  return Tensor::scalar(real(s));
}

Tensor sum(const Tensor& a, int64_t axis, bool keepdim) {
  axis = normalize_axis(axis, a.dim(), "sum");
  const auto v = detail::axis_view(a.shape(), axis);
  Tensor out = Tensor::empty(detail::reduced_shape(a.shape(), axis, keepdim));  // outer × inner, all written
  const real* p = a.data();
  real* po = out.data();
  std::vector<double> acc(size_t(v.inner));
  for (int64_t o = 0; o < v.outer; ++o) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t k = 0; k < v.n; ++k) {
      const real* row = p + (o * v.n + k) * v.inner;
      for (int64_t i = 0; i < v.inner; ++i) acc[size_t(i)] += row[i];
    }
    for (int64_t i = 0; i < v.inner; ++i) po[o * v.inner + i] = real(acc[size_t(i)]);
  }
  return out;
}

Tensor mean(const Tensor& a) {
  if (a.numel() == 0) fail("mean: tensor of shape ", to_string(a.shape()), " is empty");
  return Tensor::scalar(sum(a).item() / real(a.numel()));
}

Tensor mean(const Tensor& a, int64_t axis, bool keepdim) {
  axis = normalize_axis(axis, a.dim(), "mean");
  const int64_t n = a.shape()[size_t(axis)];
  if (n == 0) fail("mean: axis ", axis, " of shape ", to_string(a.shape()), " is empty");
  Tensor s = sum(a, axis, keepdim);
  scale_(s, real(1) / real(n));
  return s;
}

namespace {
// Shared loop of max and argmax: for each output position, the index of the largest value.
template <class Emit>
Tensor reduce_max(const Tensor& a, int64_t axis, bool keepdim, const char* op, Emit emit) {
  axis = normalize_axis(axis, a.dim(), op);
  const auto v = detail::axis_view(a.shape(), axis);
  if (v.n == 0) fail(op, ": axis ", axis, " of shape ", to_string(a.shape()), " is empty");
  Tensor out = Tensor::empty(detail::reduced_shape(a.shape(), axis, keepdim));  // outer × inner, all written
  const real* p = a.data();
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      const real* base = p + o * v.n * v.inner + i;
      int64_t best = 0;
      for (int64_t k = 1; k < v.n; ++k)
        if (base[k * v.inner] > base[best * v.inner]) best = k;
      out[o * v.inner + i] = emit(best, base[best * v.inner]);
    }
  return out;
}
}  // namespace

Tensor max(const Tensor& a, int64_t axis, bool keepdim) {
  return reduce_max(a, axis, keepdim, "max", [](int64_t, real value) { return value; });
}

Tensor argmax(const Tensor& a, int64_t axis, bool keepdim) {
  return reduce_max(a, axis, keepdim, "argmax", [](int64_t index, real) { return real(index); });
}

real max_value(const Tensor& a) {
  if (a.numel() == 0) fail("max_value: empty tensor");
  real m = -std::numeric_limits<real>::infinity();
  for (real x : a) m = std::max(m, x);
  return m;
}

real min_value(const Tensor& a) {
  if (a.numel() == 0) fail("min_value: empty tensor");
  real m = std::numeric_limits<real>::infinity();
  for (real x : a) m = std::min(m, x);
  return m;
}

Tensor sum_to(const Tensor& a, const Shape& shape) {
  if (a.shape() == shape) return a;
  if (broadcast_shapes(a.shape(), shape, "sum_to") != a.shape())
    fail("sum_to: ", to_string(a.shape()), " is not a broadcast of ", to_string(shape));
  Tensor r = a;
  const size_t lead = a.shape().size() - shape.size();
  for (size_t i = 0; i < lead; ++i) r = sum(r, 0, false);
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 1 && r.shape()[i] != 1) r = sum(r, int64_t(i), true);
  return r;
}

}  // namespace atn
