// Reductions over one axis (with keepdim) or over everything, and sum_to, the reduction that
// undoes broadcasting (used by every broadcasting op's backward).
#pragma once
#include "tensor/tensor.h"

namespace atn {

Tensor sum(const Tensor& a);  // over all elements: a scalar tensor
Tensor sum(const Tensor& a, int64_t axis, bool keepdim = false);
Tensor mean(const Tensor& a);
Tensor mean(const Tensor& a, int64_t axis, bool keepdim = false);
Tensor max(const Tensor& a, int64_t axis, bool keepdim = false);
// Index of the largest value along the axis (the first one on ties), as whole numbers.
Tensor argmax(const Tensor& a, int64_t axis, bool keepdim = false);
real max_value(const Tensor& a);
real min_value(const Tensor& a);

// Sums `a` down to `shape`, which `a`'s shape must be a broadcast of.
Tensor sum_to(const Tensor& a, const Shape& shape);

namespace detail {
// A tensor seen as [outer, n, inner] around one axis: the shape every axis reduction uses.
struct AxisView {
  int64_t outer, n, inner;
};
AxisView axis_view(const Shape& shape, int64_t axis);
Shape reduced_shape(const Shape& shape, int64_t axis, bool keepdim);
}  // namespace detail

}  // namespace atn
