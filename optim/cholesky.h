// Cholesky factorization of symmetric positive-definite (SPD) matrices, in double precision,
// for the natural-gradient optimizers (K-FAC's Kronecker factors, the exact Fisher).
//
// An SPD matrix A factors uniquely as A = L Lᵀ with L lower triangular and L_jj > 0. Column by
// column (the Cholesky–Banachiewicz order, Golub & Van Loan, "Matrix Computations", §4.2):
//   L_jj = √(A_jj − Σ_{k<j} L_jk²),      L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj   (i > j).
// The number under the root is the j-th pivot; it is positive for every j exactly when A is
// positive definite, so the factorization doubles as the test for it. Solving A x = b is then
// two triangular solves, L y = b (forward) and Lᵀ x = y (backward), about n² operations each
// after the n³/3 of the factorization. Never form A⁻¹ to solve a system; K-FAC does form the
// inverses of its (small) factors, because it reuses them for many steps.
//
// Why double: a Fisher matrix is often nearly singular (damping λ = 1e-4 next to eigenvalues of
// order 1 gives a condition number of 1e4), and in float the pivots of such a matrix lose most
// of their digits. The inputs and outputs may be float Tensors; the work is in double.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace atn {

// A dense row-major matrix of doubles: just enough for the solvers.
struct DMatrix {
  int64_t rows = 0, cols = 0;
  std::vector<double> data;

  DMatrix() = default;
  DMatrix(int64_t rows, int64_t cols, double fill = 0);
  static DMatrix identity(int64_t n);
  // From a 2-D tensor; a 1-D tensor becomes a column [n, 1].
  static DMatrix from(const Tensor& t);
  // Rounded to float, shape [rows, cols].
  Tensor to_tensor() const;

  double& operator()(int64_t i, int64_t j) { return data[size_t(i * cols + j)]; }
  double operator()(int64_t i, int64_t j) const { return data[size_t(i * cols + j)]; }
};

// C = op(A)·op(B), op = transpose when the flag is set. Plain triple loop, in double.
DMatrix matmul(const DMatrix& a, const DMatrix& b, bool trans_a = false, bool trans_b = false);

// The lower-triangular L with A = L Lᵀ (its upper triangle is zero). A must be square, finite
// and symmetric (to 1e-5 relative to its largest entry, so float rounding passes; only the lower
// triangle is used).
// Throws atn::Error naming the first pivot that is not positive: "cholesky: the matrix [3, 3]
// is not positive definite: pivot 2 is -0.5 (add damping λ·I?)".
DMatrix cholesky(const DMatrix& a);

// X with L Lᵀ X = B, given the factor L from cholesky(); B is [n, m] (m right-hand sides).
DMatrix cholesky_solve(const DMatrix& l, const DMatrix& b);

// X with A X = B for an SPD A (factor, then solve).
DMatrix spd_solve(const DMatrix& a, const DMatrix& b);

// A⁻¹ for an SPD A, made exactly symmetric (the solve leaves rounding asymmetry of ~1e-16).
DMatrix spd_inverse(const DMatrix& a);

// A + λ·I for a square A.
DMatrix add_diagonal(const DMatrix& a, double lambda);

}  // namespace atn
