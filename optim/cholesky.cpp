#include "optim/cholesky.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace atn {

namespace {

std::string dims(const DMatrix& m) { return to_string(Shape{m.rows, m.cols}); }

void check_square(const DMatrix& a, const char* op) {
  if (a.rows != a.cols || a.rows < 1) fail(op, ": expected a non-empty square matrix, got ", dims(a));
}

}  // namespace

DMatrix::DMatrix(int64_t r, int64_t c, double fill) : rows(r), cols(c) {
  if (r < 0 || c < 0) fail("DMatrix: negative size ", r, " x ", c);
  data.assign(size_t(r * c), fill);
}

DMatrix DMatrix::identity(int64_t n) {
  DMatrix m(n, n);
  for (int64_t i = 0; i < n; ++i) m(i, i) = 1;
  return m;
}

DMatrix DMatrix::from(const Tensor& t) {
  if (t.dim() != 1 && t.dim() != 2) fail("DMatrix::from: expected a 1-D or 2-D tensor, got ", to_string(t.shape()));
  DMatrix m(t.size(0), t.dim() == 2 ? t.size(1) : 1);
  const real* p = t.data();
  for (size_t k = 0; k < m.data.size(); ++k) m.data[k] = double(p[k]);
  return m;
}

Tensor DMatrix::to_tensor() const {
  Tensor t({rows, cols});
  real* p = t.data();
  for (size_t k = 0; k < data.size(); ++k) p[k] = real(data[k]);
  return t;
}

DMatrix matmul(const DMatrix& a, const DMatrix& b, bool trans_a, bool trans_b) {
  const int64_t m = trans_a ? a.cols : a.rows, k = trans_a ? a.rows : a.cols;
  const int64_t k2 = trans_b ? b.cols : b.rows, n = trans_b ? b.rows : b.cols;
  if (k != k2)
    fail("matmul: inner dimensions differ: ", dims(a), (trans_a ? "ᵀ" : ""), " x ", dims(b), (trans_b ? "ᵀ" : ""));
  DMatrix c(m, n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) {
      const double aip = trans_a ? a(p, i) : a(i, p);
      if (aip == 0) continue;
      for (int64_t j = 0; j < n; ++j) c(i, j) += aip * (trans_b ? b(j, p) : b(p, j));
    }
  return c;
}

DMatrix cholesky(const DMatrix& a) {
  check_square(a, "cholesky");
  const int64_t n = a.rows;
  double largest = 0;
  for (double v : a.data) {
    if (!std::isfinite(v)) fail("cholesky: the matrix ", dims(a), " has a non-finite entry (", v, ")");
    largest = std::max(largest, std::fabs(v));
  }
  // Symmetry is checked, not assumed: a caller that passes a non-symmetric matrix has a bug,
  // and factoring its lower triangle would silently solve a different system. The tolerance
  // lets through the rounding of a float product like B·Bᵀ, not a real asymmetry.
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j)
      if (std::fabs(a(i, j) - a(j, i)) > 1e-5 * largest)
        fail("cholesky: the matrix ", dims(a), " is not symmetric: A[", i, ", ", j, "] = ", a(i, j), " but A[", j, ", ",
             i, "] = ", a(j, i));

  DMatrix l(n, n);
  for (int64_t j = 0; j < n; ++j) {
    double pivot = a(j, j);
    for (int64_t k = 0; k < j; ++k) pivot -= l(j, k) * l(j, k);
    // !(pivot > 0) also catches NaN. A zero pivot means singular, a negative one indefinite.
    if (!(pivot > 0))
      fail("cholesky: the matrix ", dims(a), " is not positive definite: pivot ", j, " is ", pivot,
           " (add damping λ·I?)");
    const double ljj = std::sqrt(pivot);
    l(j, j) = ljj;
    for (int64_t i = j + 1; i < n; ++i) {
      double s = a(i, j);
      for (int64_t k = 0; k < j; ++k) s -= l(i, k) * l(j, k);
      l(i, j) = s / ljj;
    }
  }
  return l;
}

DMatrix cholesky_solve(const DMatrix& l, const DMatrix& b) {
  check_square(l, "cholesky_solve");
  if (b.rows != l.rows) fail("cholesky_solve: right-hand side ", dims(b), " does not have ", l.rows, " rows");
  const int64_t n = l.rows, m = b.cols;
  DMatrix x = b;
  for (int64_t c = 0; c < m; ++c) {
    // L y = b: y_i = (b_i − Σ_{k<i} L_ik y_k) / L_ii, top to bottom.
    for (int64_t i = 0; i < n; ++i) {
      double s = x(i, c);
      for (int64_t k = 0; k < i; ++k) s -= l(i, k) * x(k, c);
      x(i, c) = s / l(i, i);
    }
    // Lᵀ x = y: x_i = (y_i − Σ_{k>i} L_ki x_k) / L_ii, bottom to top.
    for (int64_t i = n; i-- > 0;) {
      double s = x(i, c);
      for (int64_t k = i + 1; k < n; ++k) s -= l(k, i) * x(k, c);
      x(i, c) = s / l(i, i);
    }
  }
  return x;
}

DMatrix spd_solve(const DMatrix& a, const DMatrix& b) { return cholesky_solve(cholesky(a), b); }

DMatrix spd_inverse(const DMatrix& a) {
  DMatrix inv = spd_solve(a, DMatrix::identity(a.rows));
  for (int64_t i = 0; i < inv.rows; ++i)
    for (int64_t j = 0; j < i; ++j) inv(i, j) = inv(j, i) = 0.5 * (inv(i, j) + inv(j, i));
  return inv;
}

DMatrix add_diagonal(const DMatrix& a, double lambda) {
  check_square(a, "add_diagonal");
  DMatrix out = a;
  for (int64_t i = 0; i < a.rows; ++i) out(i, i) += lambda;
  return out;
}

}  // namespace atn
