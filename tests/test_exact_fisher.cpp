// Exact Fisher: the vector-Jacobian product keeps the tape and the gradients, the Jacobian of a
// linear model by hand, the softmax classifier's F against a finite-difference Fisher computed
// in double, the Gaussian F of a linear layer (I ⊗ E[ā āᵀ]), the solvers, and one natural-gradient
// step solving linear least squares.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_math.h"
#include "nn/linear.h"
#include "optim/exact_fisher.h"

namespace atn {
namespace {

// x [N, 3] → Linear(3, 4) → tanh → Linear(4, 3): logits of a 3-class classifier, P = 16 + 15.
struct Mlp : Module {
  Rng rng{11};
  Linear fc1{3, 4, rng}, fc2{4, 3, rng};
  Mlp() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Var forward(const Var& x) { return fc2(tanh(fc1(x))); }
};

// The same network in double, with the parameters θ flattened as parameters() flattens them
// (fc1.weight, fc1.bias, fc2.weight, fc2.bias): log p(y | x) for every class y.
std::vector<double> log_probs(const std::vector<double>& th, const real* x) {
  const double *w1 = th.data(), *b1 = w1 + 12, *w2 = b1 + 4, *b2 = w2 + 12;
  double h[4], z[3];
  for (int o = 0; o < 4; ++o) {
    double s = b1[o];
    for (int i = 0; i < 3; ++i) s += w1[o * 3 + i] * double(x[i]);
    h[o] = std::tanh(s);
  }
  for (int o = 0; o < 3; ++o) {
    z[o] = b2[o];
    for (int i = 0; i < 4; ++i) z[o] += w2[o * 4 + i] * h[i];
  }
  const double m = std::max({z[0], z[1], z[2]});
  const double lse = m + std::log(std::exp(z[0] - m) + std::exp(z[1] - m) + std::exp(z[2] - m));
  return {z[0] - lse, z[1] - lse, z[2] - lse};
}

std::vector<double> flat_values(const std::vector<Var>& params) {
  std::vector<double> out;
  for (const Var& p : params)
    for (real v : p.value()) out.push_back(double(v));
  return out;
}

TEST(ExactFisher, VjpKeepsTheTapeAndTheGradients) {
  Rng rng(1);
  Var x = param(Tensor::randn({2, 3}, rng)), w = param(Tensor::randn({3}, rng));
  Var y = tanh(x * w);  // [2, 3]
  // ∂/∂w of Σ seed ⊙ tanh(x w) = Σ_rows seed ⊙ (1 − y²) ⊙ x, by hand.
  const Tensor seed = Tensor::randn({2, 3}, rng);
  std::vector<double> expect(3, 0.0);
  for (int r = 0; r < 2; ++r)
    for (int j = 0; j < 3; ++j) {
      const double yv = y.value().at({r, j});
      expect[size_t(j)] += seed.at({r, j}) * (1 - yv * yv) * x.value().at({r, j});
    }
  w.accumulate_grad(Tensor::full({3}, 100));  // a gradient from before: must survive untouched
  const size_t tape_size = Tape::current().size();
  const std::vector<Tensor> g = vjp(y, seed, {w, x});
  ASSERT_EQ(g.size(), 2u);
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(g[0][j], expect[size_t(j)], 1e-5);
  EXPECT_EQ(g[1].shape(), (Shape{2, 3}));
  EXPECT_EQ(Tape::current().size(), tape_size);  // the tape is still there
  EXPECT_EQ(w.grad().to_vector(), std::vector<real>(3, 100));
  EXPECT_FALSE(x.has_grad());
  EXPECT_FALSE(y.has_grad());
  // A second pass over the same tape (backward itself) gives the same product, added to the old grad.
  backward(y, seed);
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(w.grad()[j], 100 + expect[size_t(j)], 1e-4);
  EXPECT_EQ(Tape::current().size(), 0u);
}

TEST(ExactFisher, JacobianOfALinearModelByHand) {
  // z_{n,c} = Σ_i W_ci x_ni + b_c:  ∂z_{n,c}/∂W_oi = δ_co x_ni,  ∂z_{n,c}/∂b_o = δ_co.
  Rng rng(2);
  Linear fc(2, 2, rng);
  const Tensor x = Tensor::from({1, 2, -3, 4}, {2, 2});
  Var z = fc(Var(x));
  const size_t tape_size = Tape::current().size();
  const DMatrix j = output_jacobian(z, fc.parameters());
  ASSERT_EQ(j.rows, 4);
  // Columns: W00 W01 W10 W11 b0 b1.
  ASSERT_EQ(j.cols, 6);
  const std::vector<double> expect = {1,  2, 0,  0, 1, 0,   // n=0, c=0
                                      0,  0, 1,  2, 0, 1,   // n=0, c=1
                                      -3, 4, 0,  0, 1, 0,   // n=1, c=0
                                      0,  0, -3, 4, 0, 1};  // n=1, c=1
  EXPECT_EQ(j.data, expect);
  EXPECT_EQ(Tape::current().size(), tape_size);  // the forward's entries are still there
  EXPECT_FALSE(fc.weight.has_grad());            // and no gradient was left behind
  Tape::current().clear();
}

TEST(ExactFisher, ClassifierMatchesFiniteDifferenceFisher) {
  Mlp net;
  Rng rng(5);
  const Tensor x = Tensor::randn({8, 3}, rng);
  const std::vector<Var> params = net.parameters();
  const DMatrix f = exact_fisher(net.forward(Var(x)), params, Likelihood::Categorical);
  Tape::current().clear();
  const int64_t p = flat_size(params);
  ASSERT_EQ(f.rows, p);

  // F_ij = (1/N) Σ_n Σ_y p(y|x_n) ∂_i log p(y|x_n) ∂_j log p(y|x_n), each derivative by a
  // central difference in double: an estimate that shares no code with the Jacobian route.
  const std::vector<double> theta = flat_values(params);
  const double h = 1e-6;
  std::vector<std::vector<double>> score(size_t(p), std::vector<double>(8 * 3));  // [i][n·3 + y]
  for (int64_t i = 0; i < p; ++i) {
    std::vector<double> up = theta, down = theta;
    up[size_t(i)] += h;
    down[size_t(i)] -= h;
    for (int n = 0; n < 8; ++n) {
      const auto lu = log_probs(up, x.data() + n * 3), ld = log_probs(down, x.data() + n * 3);
      for (int y = 0; y < 3; ++y) score[size_t(i)][size_t(n * 3 + y)] = (lu[size_t(y)] - ld[size_t(y)]) / (2 * h);
    }
  }
  double worst = 0, largest = 0;
  for (int64_t i = 0; i < p; ++i)
    for (int64_t j = 0; j < p; ++j) {
      double fd = 0;
      for (int n = 0; n < 8; ++n) {
        const auto lp = log_probs(theta, x.data() + n * 3);
        for (int y = 0; y < 3; ++y)
          fd += std::exp(lp[size_t(y)]) * score[size_t(i)][size_t(n * 3 + y)] * score[size_t(j)][size_t(n * 3 + y)];
      }
      fd /= 8;
      worst = std::max(worst, std::fabs(fd - f(i, j)));
      largest = std::max(largest, std::fabs(fd));
      EXPECT_EQ(f(i, j), f(j, i));  // exactly symmetric
    }
  EXPECT_GT(largest, 0.05);  // a Fisher worth comparing
  EXPECT_LT(worst, 2e-6) << "largest entry " << largest;

  // Positive semi-definite: xᵀFx >= 0 for random x, and F + tiny·I factors. F is singular (adding
  // the same number to the three output biases changes no probability), so F alone need not.
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<double> v(static_cast<size_t>(p));
    for (double& e : v) e = rng.normal();
    double q = 0;
    for (int64_t i = 0; i < p; ++i)
      for (int64_t j = 0; j < p; ++j) q += v[size_t(i)] * f(i, j) * v[size_t(j)];
    EXPECT_GE(q, -1e-12);
  }
  EXPECT_NO_THROW(cholesky(add_diagonal(f, 1e-9)));
  // The bias-shift direction (1 on each of fc2's three biases, positions 28..30) is in F's null space.
  for (int64_t i = 0; i < p; ++i) EXPECT_NEAR(f(i, 28) + f(i, 29) + f(i, 30), 0, 1e-6);
}

TEST(ExactFisher, GaussianFisherOfALinearLayerIsIdentityKronA) {
  // z = W a + b, H = I: F[(o,i),(o',i')] = δ_oo' E[ā_i ā_i'] with ā = [a; 1].
  Rng rng(4);
  Linear fc(3, 2, rng);
  const Tensor a = Tensor::randn({6, 3}, rng);
  const DMatrix f = exact_fisher(fc(Var(a)), fc.parameters(), Likelihood::Gaussian);
  ASSERT_EQ(f.rows, 8);
  auto abar = [&](int n, int i) { return i < 3 ? double(a.at({n, i})) : 1.0; };
  // Parameter index of W_oi is o·3 + i, of b_o is 6 + o; as (o, ī) with ī = 3 for the bias.
  auto index = [](int o, int i) { return i < 3 ? o * 3 + i : 6 + o; };
  for (int o = 0; o < 2; ++o)
    for (int i = 0; i < 4; ++i)
      for (int o2 = 0; o2 < 2; ++o2)
        for (int i2 = 0; i2 < 4; ++i2) {
          double expect = 0;
          if (o == o2)
            for (int n = 0; n < 6; ++n) expect += abar(n, i) * abar(n, i2) / 6;
          EXPECT_NEAR(f(index(o, i), index(o2, i2)), expect, 1e-6);
        }
}

TEST(ExactFisher, SolversAndCosine) {
  DMatrix f(2, 2);
  f.data = {2, 1, 1, 3};
  // (F + 1·I) x = g with F + I = [[3, 1], [1, 4]], g = [4, 5]: x = [1, 1].
  const std::vector<double> x = natural_gradient(f, {4, 5}, 1.0);
  EXPECT_NEAR(x[0], 1, 1e-14);
  EXPECT_NEAR(x[1], 1, 1e-14);
  // Diagonal: [4/3, 5/4].
  const std::vector<double> d = diagonal_natural_gradient(f, {4, 5}, 1.0);
  EXPECT_DOUBLE_EQ(d[0], 4.0 / 3);
  EXPECT_DOUBLE_EQ(d[1], 5.0 / 4);
  EXPECT_NEAR(cosine({1, 0}, {1, 1}), 1 / std::sqrt(2.0), 1e-15);
  EXPECT_EQ(cosine({0, 0}, {1, 1}), 0);
}

// Least squares with targets no linear map fits exactly: the solution is the normal equations'
// W̄* = (Σ y āᵀ)(Σ ā āᵀ)⁻¹, and one natural-gradient step with lr = 1 (Newton's step here) lands on it.
TEST(ExactFisher, OneStepSolvesLinearLeastSquares) {
  Rng rng(6);
  Linear fc(3, 2, rng);
  const int n = 10;
  const Tensor a = Tensor::randn({n, 3}, rng), y = Tensor::randn({n, 2}, rng);
  DMatrix saa(4, 4), sya(2, 4);
  for (int k = 0; k < n; ++k)
    for (int i = 0; i < 4; ++i) {
      const double ai = i < 3 ? a.at({k, i}) : 1.0;
      for (int j = 0; j < 4; ++j) saa(i, j) += ai * (j < 3 ? a.at({k, j}) : 1.0);
      for (int o = 0; o < 2; ++o) sya(o, i) += y.at({k, o}) * ai;
    }
  const DMatrix best = matmul(sya, spd_inverse(saa));  // [2, 4] = [W* b*]

  ExactNaturalGradient opt(fc.parameters(), {.lr = 1, .damping = 0, .likelihood = Likelihood::Gaussian});
  Var z = fc(Var(a));
  opt.fisher_pass(z);
  Var diff = z - Var(y);
  backward(0.5f * sum(diff * diff) / real(n));  // the mean negative log-likelihood, up to a constant
  opt.step();
  for (int o = 0; o < 2; ++o) {
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(fc.weight.value().at({o, i}), best(o, i), 1e-5);
    EXPECT_NEAR(fc.bias.value()[o], best(o, 3), 1e-5);
  }
  EXPECT_EQ(opt.step_count(), 1);
  EXPECT_EQ(opt.last_direction().size(), 8u);
}

TEST(ExactFisher, BadInput) {
  Rng rng(8);
  Linear fc(2, 2, rng);
  Var z = fc(Var(Tensor::randn({3, 2}, rng)));
  EXPECT_THROW(vjp(z, Tensor::zeros({2, 2}), {fc.weight}), Error);            // seed shape
  EXPECT_THROW(vjp(Var(Tensor::zeros({2})), Tensor::zeros({2}), {}), Error);  // nothing needs a grad
  EXPECT_THROW(output_jacobian(z, {fc.weight, fc.weight}), Error);            // the same Var twice
  EXPECT_THROW(output_jacobian(Var(), {fc.weight}), Error);
  EXPECT_THROW(fisher_from_jacobian(DMatrix(5, 6), z.value(), Likelihood::Gaussian), Error);  // 5 ≠ 3·2 rows
  DMatrix f = DMatrix::identity(2);
  EXPECT_THROW(natural_gradient(f, {1, 2, 3}, 0.1), Error);
  EXPECT_THROW(natural_gradient(f, {1, 2}, -1), Error);
  DMatrix neg(1, 1, -1.0);
  try {
    natural_gradient(neg, {1}, 0);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pivot 0"), std::string::npos) << e.what();
  }
  EXPECT_THROW(diagonal_natural_gradient(neg, {1}, 0.5), Error);
  EXPECT_THROW(cosine({1}, {1, 2}), Error);
  EXPECT_THROW(add_to_params(fc.parameters(), {1, 2}, 1), Error);
  EXPECT_THROW(ExactNaturalGradient(fc.parameters(), {.damping = -1}), Error);
  ExactNaturalGradient opt(fc.parameters());
  EXPECT_THROW(opt.step(), Error);  // no fisher_pass
  Tape::current().clear();
}

}  // namespace
}  // namespace atn
