// Softmax and log-softmax along one axis (the last by default, as PyTorch's dim=-1), and their
// backward kernels. No gradients here; autograd/ops_softmax.h wraps these as differentiable ops.
//
// softmax(x)_j = exp(x_j − m) / Σ_k exp(x_k − m), with m = max_k x_k. Subtracting the row
// maximum changes nothing mathematically (it cancels between numerator and denominator) but
// keeps every exp() in (0, 1], so logits of 1000 do not overflow to inf/inf = NaN.
//
// Masked entries: an entry equal to −inf gets probability 0 (log-probability −inf), which is
// how attention masks are applied. A row whose entries are ALL −inf has no distribution at all;
// we define its softmax as all zeros and its log-softmax as all −inf (never NaN), and no
// gradient flows through such a row. (PyTorch returns NaN there; a fully masked row happens
// with padding, and zeros are the useful answer: that position attends to nothing.)
// Inputs are expected to be finite or −inf; +inf or NaN give NaN in their row.
#pragma once
#include "tensor/tensor.h"

namespace atn {

// A "row" below is the values along `axis` (negative axes count from the end) with every other
// index fixed; a bad axis, or a scalar (which has no axis), is an Error.
Tensor softmax(const Tensor& x, int64_t axis = -1);      // same shape as x; every row sums to 1
Tensor log_softmax(const Tensor& x, int64_t axis = -1);  // log of softmax, without taking log(exp(...))

// Given y = softmax(x, axis) and g = dL/dy: dL/dx = y ⊙ (g − Σ_j g_j y_j) per row.
Tensor softmax_backward(const Tensor& y, const Tensor& g, int64_t axis = -1);
// Given y = log_softmax(x, axis) and g = dL/dy: dL/dx = g − softmax(x) · Σ_j g_j per row.
Tensor log_softmax_backward(const Tensor& y, const Tensor& g, int64_t axis = -1);

namespace detail {
// One contiguous row of n values. Other kernels (the fused cross-entropy) use these directly so that
// every softmax in the library treats −inf the same way.
void softmax_row(const real* x, real* y, int64_t n);
void log_softmax_row(const real* x, real* y, int64_t n);
}  // namespace detail

}  // namespace atn
