// Cholesky: a hand-factored case, random SPD matrices (L Lᵀ = A, solve residual, A⁻¹A = I),
// and the errors (not positive definite, naming the pivot; not symmetric; bad shapes).
#include <gtest/gtest.h>

#include <cmath>

#include "optim/cholesky.h"
#include "tensor/rng.h"

namespace atn {
namespace {

double max_diff(const DMatrix& a, const DMatrix& b) {
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.cols, b.cols);
  double m = 0;
  for (size_t k = 0; k < a.data.size(); ++k) m = std::max(m, std::fabs(a.data[k] - b.data[k]));
  return m;
}

// B Bᵀ + n·I with B standard normal: SPD, eigenvalues at least n, condition number moderate.
DMatrix random_spd(int64_t n, Rng& rng) {
  DMatrix b(n, n);
  for (double& v : b.data) v = rng.normal();
  return add_diagonal(matmul(b, b, false, true), double(n));
}

TEST(Cholesky, HandFactoredMatrix) {
  // A = [[4, 2, 2], [2, 5, 3], [2, 3, 6]]:
  //   L00 = √4 = 2;  L10 = 2/2 = 1;  L20 = 2/2 = 1
  //   L11 = √(5 − 1²) = 2;  L21 = (3 − 1·1)/2 = 1
  //   L22 = √(6 − 1² − 1²) = 2
  DMatrix a(3, 3);
  a.data = {4, 2, 2, 2, 5, 3, 2, 3, 6};
  const DMatrix l = cholesky(a);
  EXPECT_EQ(l.data, (std::vector<double>{2, 0, 0, 1, 2, 0, 1, 1, 2}));
  // A x = b with b = A·[1, −1, 2] = [4 − 2 + 4, 2 − 5 + 6, 2 − 3 + 12] = [6, 3, 11].
  DMatrix b(3, 1);
  b.data = {6, 3, 11};
  const DMatrix x = spd_solve(a, b);
  EXPECT_NEAR(x.data[0], 1, 1e-14);
  EXPECT_NEAR(x.data[1], -1, 1e-14);
  EXPECT_NEAR(x.data[2], 2, 1e-14);
}

TEST(Cholesky, RandomSpdFactorSolveInverse) {
  Rng rng(7);
  for (int64_t n : {1, 2, 3, 5, 8, 13}) {
    const DMatrix a = random_spd(n, rng);
    const DMatrix l = cholesky(a);
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_GT(l(i, i), 0);
      for (int64_t j = i + 1; j < n; ++j) EXPECT_EQ(l(i, j), 0) << "upper triangle at " << i << "," << j;
    }
    EXPECT_LT(max_diff(matmul(l, l, false, true), a), 1e-12 * n) << "n=" << n;

    DMatrix b(n, 3);  // three right-hand sides at once
    for (double& v : b.data) v = rng.normal();
    const DMatrix x = cholesky_solve(l, b);
    EXPECT_LT(max_diff(matmul(a, x), b), 1e-12 * n) << "n=" << n;

    const DMatrix inv = spd_inverse(a);
    EXPECT_LT(max_diff(matmul(inv, a), DMatrix::identity(n)), 1e-12 * n) << "n=" << n;
    EXPECT_EQ(inv(0, n - 1), inv(n - 1, 0));  // made exactly symmetric
  }
}

TEST(Cholesky, TensorRoundTripAndFloatSymmetry) {
  // A float product B·Bᵀ is symmetric only up to rounding; the symmetry check lets that through.
  Rng rng(3);
  const DMatrix b = DMatrix::from(Tensor::randn({6, 6}, rng));
  DMatrix a = add_diagonal(matmul(b, b, false, true), 6);
  a(1, 0) += 1e-7 * std::fabs(a(1, 0));  // rounding-sized asymmetry
  EXPECT_NO_THROW(cholesky(a));
  a(1, 0) += 0.1;  // a real one
  EXPECT_THROW(cholesky(a), Error);
  const Tensor t = DMatrix::from(Tensor::from({1, 2, 3})).to_tensor();
  EXPECT_EQ(t.shape(), (Shape{3, 1}));  // a 1-D tensor becomes a column
  EXPECT_EQ(t.to_vector(), (std::vector<real>{1, 2, 3}));
}

TEST(Cholesky, NotPositiveDefiniteNamesThePivot) {
  // [[1, 2], [2, 1]]: pivot 0 is 1, pivot 1 is 1 − 2² = −3 (eigenvalues 3 and −1).
  DMatrix a(2, 2);
  a.data = {1, 2, 2, 1};
  try {
    cholesky(a);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("not positive definite"), std::string::npos) << msg;
    EXPECT_NE(msg.find("pivot 1 is -3"), std::string::npos) << msg;
  }
  // Singular PSD: [[1, 1], [1, 1]] has pivot 1 = 0, also refused (damping is the cure).
  a.data = {1, 1, 1, 1};
  EXPECT_THROW(cholesky(a), Error);
  EXPECT_NO_THROW(cholesky(add_diagonal(a, 1e-8)));
  a.data = {-1, 0, 0, 1};
  EXPECT_THROW(spd_inverse(a), Error);
}

TEST(Cholesky, BadInput) {
  DMatrix rect(2, 3, 1.0);
  EXPECT_THROW(cholesky(rect), Error);
  EXPECT_THROW(cholesky(DMatrix()), Error);
  DMatrix asym(2, 2);
  asym.data = {2, 1, 0, 2};
  try {
    cholesky(asym);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not symmetric"), std::string::npos) << e.what();
  }
  DMatrix nan(1, 1, std::nan(""));
  EXPECT_THROW(cholesky(nan), Error);
  const DMatrix l = cholesky(DMatrix::identity(3));
  EXPECT_THROW(cholesky_solve(l, DMatrix(2, 1)), Error);
  EXPECT_THROW(cholesky_solve(rect, DMatrix(2, 1)), Error);
  EXPECT_THROW(matmul(DMatrix(2, 3), DMatrix(2, 3)), Error);
  EXPECT_THROW(DMatrix::from(Tensor({2, 2, 2})), Error);
  EXPECT_THROW(add_diagonal(rect, 1), Error);
}

}  // namespace
}  // namespace atn
