#include "tensor/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "tensor/shape_ops.h"
#include "tensor/thread_pool.h"

namespace atn {

namespace {
constexpr real kNegInf = -std::numeric_limits<real>::infinity();

real row_max(const real* x, int64_t n) {
  real m = kNegInf;
  for (int64_t j = 0; j < n; ++j) m = x[j] > m ? x[j] : m;
  return m;
}

// The axis the rows run along, in [0, ndim). A scalar has no axis at all.
int64_t row_axis(const Shape& shape, int64_t axis, const char* op) {
  if (shape.empty()) fail(op, ": needs at least one axis, got a scalar of shape ", to_string(shape));
  return normalize_axis(axis, int64_t(shape.size()), op);
}

// The rows of x along its last axis: {count, length}.
std::pair<int64_t, int64_t> rows_of(const Shape& shape) {
  const int64_t n = shape.back();
  return {n == 0 ? 0 : numel(shape) / n, n};
}

// fn(r) for every row r of length n, spread over the thread pool in chunks of rows whose size
// depends only on n (about 32K values each). Rows are independent, so any thread count gives
// the same bits.
template <class Fn>
void for_each_row(int64_t rows, int64_t n, const Fn& fn) {
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 15) / std::max<int64_t>(n, 1));
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) fn(r);
  };
  if (rows <= grain) run(0, rows);
  else parallel_for(rows, run, grain);
}

// Whether `axis` is not the last one: then the kernel swaps it with the last axis, runs on
// contiguous rows and swaps back. Two copies, but one row loop for every axis, and softmax along
// another axis than the last is rare (the hot path, attention, is along the last).
bool needs_swap(const Tensor& t, int64_t ax) { return ax != t.dim() - 1; }

void check_same_shape(const Tensor& y, const Tensor& g, const char* op) {
  if (y.shape() != g.shape())
    fail(op, ": gradient of shape ", to_string(g.shape()), " does not match output ", to_string(y.shape()));
}
}  // namespace

namespace detail {
void softmax_row(const real* x, real* y, int64_t n) {
  const real m = row_max(x, n);
  if (m == kNegInf) {  // every entry masked: defined as all zeros (see the header)
    for (int64_t j = 0; j < n; ++j) y[j] = 0;
    return;
  }
  double s = 0;  // a double accumulator keeps long rows accurate
  for (int64_t j = 0; j < n; ++j) {
    y[j] = std::exp(x[j] - m);  // exp(−inf) = 0 for masked entries
    s += y[j];
  }
  const real inv = real(1.0 / s);  // s ≥ 1: the maximum contributes exp(0)
  for (int64_t j = 0; j < n; ++j) y[j] *= inv;
}

// log softmax(x)_j = x_j − m − log Σ_k exp(x_k − m): no exp() result is ever passed to log()
// alone, so tiny probabilities keep their full precision (log(exp(−200)) would be −inf).
void log_softmax_row(const real* x, real* y, int64_t n) {
  const real m = row_max(x, n);
  if (m == kNegInf) {
    for (int64_t j = 0; j < n; ++j) y[j] = kNegInf;
    return;
  }
  double s = 0;
  for (int64_t j = 0; j < n; ++j) s += std::exp(x[j] - m);
  const real log_s = real(std::log(s));
  for (int64_t j = 0; j < n; ++j) y[j] = (x[j] - m) - log_s;
}
}  // namespace detail

Tensor softmax(const Tensor& x, int64_t axis) {
  const int64_t ax = row_axis(x.shape(), axis, "softmax");
  if (needs_swap(x, ax)) return transpose(softmax(transpose(x, ax, -1)), ax, -1);
  const auto [rows, n] = rows_of(x.shape());
  Tensor y = Tensor::empty(x.shape());
  for_each_row(rows, n, [&](int64_t r) { detail::softmax_row(x.data() + r * n, y.data() + r * n, n); });
  return y;
}

Tensor log_softmax(const Tensor& x, int64_t axis) {
  const int64_t ax = row_axis(x.shape(), axis, "log_softmax");
  if (needs_swap(x, ax)) return transpose(log_softmax(transpose(x, ax, -1)), ax, -1);
  const auto [rows, n] = rows_of(x.shape());
  Tensor y = Tensor::empty(x.shape());
  for_each_row(rows, n, [&](int64_t r) { detail::log_softmax_row(x.data() + r * n, y.data() + r * n, n); });
  return y;
}

// The softmax Jacobian is diag(y) − y yᵀ, so Jᵀg = y ⊙ g − y (yᵀg) = y ⊙ (g − yᵀg): one dot
// product per row instead of an n×n matrix. A fully masked row has y = 0, hence dx = 0.
Tensor softmax_backward(const Tensor& y, const Tensor& g, int64_t axis) {
  check_same_shape(y, g, "softmax_backward");
  const int64_t ax = row_axis(y.shape(), axis, "softmax_backward");
  if (needs_swap(y, ax)) return transpose(softmax_backward(transpose(y, ax, -1), transpose(g, ax, -1)), ax, -1);
  const auto [rows, n] = rows_of(y.shape());
  Tensor dx = Tensor::empty(y.shape());
  for_each_row(rows, n, [&](int64_t r) {
    const real* py = y.data() + r * n;
    const real* pg = g.data() + r * n;
    real* pd = dx.data() + r * n;
    double dot = 0;
    for (int64_t j = 0; j < n; ++j) dot += double(pg[j]) * double(py[j]);
    for (int64_t j = 0; j < n; ++j) pd[j] = py[j] * (pg[j] - real(dot));
  });
  return dx;
}

// d log_softmax_i / dx_j = δ_ij − softmax_j, so dx_j = g_j − softmax_j Σ_i g_i, and
// softmax_j = exp(y_j). A fully masked row (all −inf) is a constant: its gradient is zero.
Tensor log_softmax_backward(const Tensor& y, const Tensor& g, int64_t axis) {
  check_same_shape(y, g, "log_softmax_backward");
  const int64_t ax = row_axis(y.shape(), axis, "log_softmax_backward");
  if (needs_swap(y, ax))
    return transpose(log_softmax_backward(transpose(y, ax, -1), transpose(g, ax, -1)), ax, -1);
  const auto [rows, n] = rows_of(y.shape());
  Tensor dx = Tensor::empty(y.shape());
  for_each_row(rows, n, [&](int64_t r) {
    const real* py = y.data() + r * n;
    const real* pg = g.data() + r * n;
    real* pd = dx.data() + r * n;
    if (row_max(py, n) == kNegInf) {
      for (int64_t j = 0; j < n; ++j) pd[j] = 0;
      return;
    }
    double gsum = 0;
    for (int64_t j = 0; j < n; ++j) gsum += pg[j];
    for (int64_t j = 0; j < n; ++j) pd[j] = pg[j] - std::exp(py[j]) * real(gsum);
  });
  return dx;
}

}  // namespace atn
