#include "autograd/ops_shape.h"

#include "tensor/index_ops.h"
#include "tensor/reduce.h"

namespace atn {

namespace {
// a's gradient tensor (Var::grad_to_add_into), allocated as zeros on first use. Backwards that
// add into only part of the input (a slice, a few rows) write here directly instead of building
// a full-size tensor of zeros around their piece and adding that; with many pieces (one narrow
// per time step, one embedding lookup per batch) that would cost a full copy each. Callers check
// requires_grad first, as accumulate_grad would.
Tensor& grad_buffer(const Var& a) { return a.grad_to_add_into(); }

// Ops that only rename the shape: the gradient is the output's, renamed back.
Var reshaped(const char* op, const Var& a, Tensor value) {
  return record(op, std::move(value), {a}, [a](const Tensor& g) { a.accumulate_grad(g.reshape(a.shape())); });
}

// The output is a[.., start + k*step, ..]; its gradient lands back on those positions.
Var strided_range(const char* op, const Var& a, int64_t ax, int64_t start, int64_t step, Tensor value) {
  return record(op, std::move(value), {a}, [a, ax, start, step](const Tensor& g) {
    if (a.requires_grad()) slice_add_(grad_buffer(a), ax, start, step, g);
  });
}
}  // namespace

Var reshape(const Var& a, Shape shape) { return reshaped("reshape", a, a.value().reshape(std::move(shape))); }

Var flatten(const Var& a, int64_t start_axis, int64_t end_axis) {
  if (a.dim() == 0) return reshaped("flatten", a, a.value().reshape({1}));  // as PyTorch: a scalar becomes [1]
  const int64_t s = normalize_axis(start_axis, a.dim(), "flatten"), e = normalize_axis(end_axis, a.dim(), "flatten");
  if (s > e) fail("flatten: start axis ", start_axis, " comes after end axis ", end_axis, " in ", to_string(a.shape()));
  Shape shape(a.shape().begin(), a.shape().begin() + s);
  int64_t merged = 1;
  for (int64_t i = s; i <= e; ++i) merged *= a.shape()[size_t(i)];
  shape.push_back(merged);
  shape.insert(shape.end(), a.shape().begin() + e + 1, a.shape().end());
  return reshaped("flatten", a, a.value().reshape(shape));
}

Var unsqueeze(const Var& a, int64_t axis) { return reshaped("unsqueeze", a, unsqueeze(a.value(), axis)); }
Var squeeze(const Var& a, int64_t axis) { return reshaped("squeeze", a, squeeze(a.value(), axis)); }

// Swapping two axes is its own inverse, so the gradient is swapped back the same way.
Var transpose(const Var& a, int64_t axis0, int64_t axis1) {
  return record("transpose", transpose(a.value(), axis0, axis1), {a},
                [a, axis0, axis1](const Tensor& g) { a.accumulate_grad(transpose(g, axis0, axis1)); });
}

Var transpose(const Var& a) {
  if (a.dim() < 2)
    fail("transpose: needs at least 2 dimensions to swap the last two, got shape ", to_string(a.shape()));
  return transpose(a, -2, -1);
}

// Output axis i is input axis dims[i]; the inverse permutation puts the gradient's axes back.
Var permute(const Var& a, const std::vector<int64_t>& dims) {
  Tensor value = permute(a.value(), dims);  // validates dims
  std::vector<int64_t> axes(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) axes[i] = dims[i] < 0 ? dims[i] + a.dim() : dims[i];
  return record("permute", std::move(value), {a},
                [a, inv = inverse_permutation(axes)](const Tensor& g) { a.accumulate_grad(permute(g, inv)); });
}

Var narrow(const Var& a, int64_t axis, int64_t start, int64_t length) {
  Tensor value = narrow(a.value(), axis, start, length);  // validates the range
  const int64_t ax = normalize_axis(axis, a.dim(), "narrow");
  return strided_range("narrow", a, ax, start < 0 ? start + a.shape()[size_t(ax)] : start, 1, std::move(value));
}

Var slice(const Var& a, int64_t axis, int64_t start, int64_t stop, int64_t step) {
  const int64_t ax = normalize_axis(axis, a.dim(), "slice");
  const auto r = detail::resolve_slice(a.shape()[size_t(ax)], start, stop, step, "slice");
  return strided_range("slice", a, ax, r.start, step, slice(a.value(), ax, start, stop, step));
}

// Each input's gradient is its own stretch of the output gradient along the axis.
Var concat(const std::vector<Var>& parts, int64_t axis) {
  std::vector<Tensor> values;
  values.reserve(parts.size());
  for (const Var& p : parts) values.push_back(p.value());
  Tensor value = concat(values, axis);  // validates the shapes
  const int64_t ax = normalize_axis(axis, value.dim(), "concat");
  return record("concat", std::move(value), parts, [parts, ax](const Tensor& g) {
    int64_t start = 0;
    for (const Var& p : parts) {
      const int64_t n = p.shape()[size_t(ax)];
      if (p.requires_grad()) p.accumulate_grad(narrow(g, ax, start, n));
      start += n;
    }
  });
}

// Each piece is its own narrow: its own tape entry, whose backward adds into its region only,
// so a piece that the loss never used costs nothing.
std::vector<Var> split(const Var& a, int64_t axis, const std::vector<int64_t>& sizes) {
  std::vector<Tensor> values = split(a.value(), axis, sizes);  // validates the sizes
  const int64_t ax = normalize_axis(axis, a.dim(), "split");
  std::vector<Var> pieces;
  int64_t start = 0;
  for (size_t k = 0; k < values.size(); ++k) {
    pieces.push_back(strided_range("split", a, ax, start, 1, std::move(values[k])));
    start += sizes[k];
  }
  return pieces;
}

std::vector<Var> chunk(const Var& a, int64_t n, int64_t axis) {
  return split(a, axis, chunk_sizes(a.shape(), n, axis));
}

// out[.., k, ..] = a[.., indices[k], ..], so dA[.., i, ..] = Σ over the k with indices[k] = i of
// dOut[.., k, ..]: a scatter-add, where a row picked twice gets both gradients.
Var index_select(const Var& a, int64_t axis, const Tensor& indices) {
  Tensor value = index_select(a.value(), axis, indices);
  const int64_t ax = normalize_axis(axis, a.dim(), "index_select");
  return record("index_select", std::move(value), {a}, [a, ax, indices](const Tensor& g) {
    if (a.requires_grad()) index_add_(grad_buffer(a), ax, indices, g);
  });
}

Var embedding(const Var& weight, const Tensor& ids) {
  return record("embedding", embedding(weight.value(), ids), {weight}, [weight, ids](const Tensor& g) {
    if (weight.requires_grad()) index_add_(grad_buffer(weight), 0, ids, g);
  });
}

// gather reads a[.., index[p], ..] into position p; the gradient goes back the same way.
Var gather(const Var& a, int64_t axis, const Tensor& index) {
  Tensor value = gather(a.value(), axis, index);
  const int64_t ax = normalize_axis(axis, a.dim(), "gather");
  return record("gather", std::move(value), {a}, [a, ax, index](const Tensor& g) {
    if (a.requires_grad()) scatter_add_(grad_buffer(a), ax, index, g);
  });
}

// max = gather(a, argmax): the gradient is scattered back to the argmax positions only.
Var max(const Var& a, int64_t axis, bool keepdim) {
  const int64_t ax = normalize_axis(axis, a.dim(), "max");
  Tensor value = max(a.value(), ax, keepdim);  // also rejects an empty axis
  Tensor where_max = argmax(a.value(), ax, true);
  return record("max", std::move(value), {a}, [a, ax, where_max](const Tensor& g) {
    if (a.requires_grad()) scatter_add_(grad_buffer(a), ax, where_max, g.reshape(where_max.shape()));
  });
}

// A filled position no longer depends on a, so its gradient is zero: fill the gradient too.
Var masked_fill(const Var& a, const Tensor& mask, real value) {
  return record("masked_fill", masked_fill(a.value(), mask, value), {a},
                [a, mask](const Tensor& g) { a.accumulate_grad(masked_fill(g, mask, 0)); });
}

// The output gradient is routed to a where cond holds and to b elsewhere; accumulate_grad then
// sums each share over the axes that side was broadcast along.
Var where(const Tensor& cond, const Var& a, const Var& b) {
  return record("where", where(cond, a.value(), b.value()), {a, b}, [cond, a, b](const Tensor& g) {
    const Tensor zero = Tensor::scalar(0);
    if (a.requires_grad()) a.accumulate_grad(where(cond, g, zero));
    if (b.requires_grad()) b.accumulate_grad(where(cond, zero, g));
  });
}

}  // namespace atn
