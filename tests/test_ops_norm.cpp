// layer_norm (values, a composed reference, gradients, errors) and dropout (identity cases,
// statistics of the mask, reproducibility, gradients, errors).
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_dropout.h"
#include "autograd/ops_norm.h"
#include "tensor/elementwise.h"
#include "tensor/reduce.h"
#include "tensor/rng.h"
#include "tensor/thread_pool.h"
#include "tests/test_util.h"

namespace atn {
namespace {

TEST(LayerNorm, HandValues) {
  // x = [1,2,3,4]: μ = 2.5, σ² = (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25 (biased), σ = 1.118034;
  // x̂ = [−1.5, −0.5, 0.5, 1.5]/1.118034 = [−1.341641, −0.447214, 0.447214, 1.341641].
  // With weight [1, 2, 1, 1] and bias [0, 0, 0, 10]: [−1.341641, −0.894427, 0.447214, 11.341641].
  const Var x(Tensor::from({1, 2, 3, 4}, {1, 4}));
  const Tensor y = layer_norm(x, Var(), Var(), 0).value();
  const std::vector<real> want = {-1.341641f, -0.447214f, 0.447214f, 1.341641f};
  for (int j = 0; j < 4; ++j) EXPECT_NEAR(y[j], want[size_t(j)], 1e-6f);
  const Tensor ya = layer_norm(x, Var(Tensor::from({1, 2, 1, 1})), Var(Tensor::from({0, 0, 0, 10})), 0).value();
  EXPECT_NEAR(ya[1], -0.894427f, 1e-6f);
  EXPECT_NEAR(ya[3], 11.341641f, 1e-5f);
  // eps sits inside the root: 1.5 / sqrt(1.25 + 0.75) = 1.5 / sqrt(2) = 1.060660.
  EXPECT_NEAR(layer_norm(x, Var(), Var(), 0.75f).value()[3], 1.060660f, 1e-6f);
}

TEST(LayerNorm, RowsHaveMeanZeroVarianceOneAndMatchAComposedReference) {
  Rng rng(21);
  const Tensor xv = Tensor::randn({3, 2, 16}, rng, 50, 4);  // a large mean: the two-pass variance matters
  const Tensor w = Tensor::randn({16}, rng), b = Tensor::randn({16}, rng);
  const Tensor y = layer_norm(Var(xv)).value();
  const Tensor m = mean(y, -1), v = mean(mul(y, y), -1);  // biased variance of a mean-zero row
  for (int64_t r = 0; r < 6; ++r) {
    EXPECT_NEAR(m[r], 0, 1e-5f);
    EXPECT_NEAR(v[r], 1, 1e-3f);  // σ²/(σ² + 1e-5) with σ² ≈ 16
  }
  // Reference from tensor kernels: (x − μ) / sqrt(mean((x − μ)²) + eps) ⊙ w + b.
  const Tensor d = sub(xv, mean(xv, -1, true));
  const Tensor ref = add(mul(div(d, sqrt(add(mean(mul(d, d), -1, true), 1e-5f))), w), b);
  EXPECT_LT(max_abs_diff(layer_norm(Var(xv), Var(w), Var(b)).value(), ref), 1e-5f);
}

TEST(LayerNorm, Gradcheck) {
  Rng rng(22);
  for (const Shape& s : {Shape{4, 6}, Shape{2, 3, 5}}) {
    const int64_t c = s.back();
    Var x = param(Tensor::randn(s, rng)), w = param(Tensor::randn({c}, rng)), b = param(Tensor::randn({c}, rng));
    auto r = gradcheck([](const std::vector<Var>& v) { return layer_norm(v[0], v[1], v[2]); }, {x, w, b});
    EXPECT_TRUE(r.ok) << to_string(s) << "\n" << r.report;
    r = gradcheck([](const std::vector<Var>& v) { return layer_norm(v[0]); }, {x});
    EXPECT_TRUE(r.ok) << "no affine " << to_string(s) << "\n" << r.report;
    // Only the affine parameters need a gradient (x constant), and only x (weight constant).
    r = gradcheck([x](const std::vector<Var>& v) { return layer_norm(x, v[0], v[1]); }, {w, b});
    EXPECT_TRUE(r.ok) << "w, b only " << to_string(s) << "\n" << r.report;
    r = gradcheck([w](const std::vector<Var>& v) { return layer_norm(v[0], constant(w.value())); }, {x});
    EXPECT_TRUE(r.ok) << "x only " << to_string(s) << "\n" << r.report;
  }
}

// Largest error relative to the largest reference value (at least 1).
double max_rel_err(const Tensor& got, const std::vector<double>& want) {
  double err = 0, scale = 1;
  for (size_t i = 0; i < want.size(); ++i) {
    err = std::max(err, std::fabs(double(got[int64_t(i)]) - want[i]));
    scale = std::max(scale, std::fabs(want[i]));
  }
  return err / scale;
}

// Rows with mean 1000 and standard deviation 0.01: the float32 mean is off by up to half an
// ulp of 1000 (3e-5), which is 0.3% of σ, so a backward that rebuilt x̂ from it would be off by
// that much. Compared with the same formulas evaluated in double by hand, on the same float inputs.
TEST(LayerNorm, BackwardIsAccurateOnRowsWithALargeMeanAndATinySpread) {
  const int64_t rows = 8, C = 64;
  Rng rng(23);
  Var x = param(Tensor::randn({rows, C}, rng, 1000, 0.01f));
  Var w = param(Tensor::randn({C}, rng, 1, 0.5f)), b = param(Tensor::randn({C}, rng));
  const Tensor g = Tensor::randn({rows, C}, rng);
  backward(layer_norm(x, w, b, 0), g);

  std::vector<double> dx(size_t(rows * C)), dw(size_t(C), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const auto at = [&](const Tensor& t, int64_t j) { return double(t[r * C + j]); };
    double mu = 0, var = 0;
    for (int64_t j = 0; j < C; ++j) mu += at(x.value(), j) / double(C);
    for (int64_t j = 0; j < C; ++j) var += (at(x.value(), j) - mu) * (at(x.value(), j) - mu) / double(C);
    const double rstd = 1 / std::sqrt(var);
    double mean_gh = 0, mean_ghx = 0;  // mean of ĝ = g ⊙ w and of ĝ ⊙ x̂ over the row
    for (int64_t j = 0; j < C; ++j) {
      const double xhat = (at(x.value(), j) - mu) * rstd, gh = at(g, j) * double(w.value()[j]);
      mean_gh += gh / double(C);
      mean_ghx += gh * xhat / double(C);
      dw[size_t(j)] += at(g, j) * xhat;
    }
    for (int64_t j = 0; j < C; ++j) {
      const double xhat = (at(x.value(), j) - mu) * rstd, gh = at(g, j) * double(w.value()[j]);
      dx[size_t(r * C + j)] = rstd * (gh - mean_gh - xhat * mean_ghx);
    }
  }
  // Relative error against the largest reference value: float32 rounding of the result is 6e-8.
  EXPECT_LT(max_rel_err(x.grad(), dx), 1e-6);
  EXPECT_LT(max_rel_err(w.grad(), dw), 1e-6);
}

// The textbook two passes per row, in double: μ = mean(x), then σ² = mean((x − μ)²); y and the
// closed-form backward (see ops_norm.h) from them, with two more passes for the backward's sums.
struct TwoPassLayerNorm {
  std::vector<double> y, dx, dw, db;
};
TwoPassLayerNorm two_pass_layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& g, double eps) {
  const int64_t C = x.shape().back(), rows = x.numel() / C;
  TwoPassLayerNorm out{std::vector<double>(size_t(x.numel())), std::vector<double>(size_t(x.numel())),
                       std::vector<double>(size_t(C), 0.0), std::vector<double>(size_t(C), 0.0)};
  for (int64_t r = 0; r < rows; ++r) {
    const auto xr = [&](int64_t j) { return double(x[r * C + j]); };
    const auto gr = [&](int64_t j) { return double(g[r * C + j]); };
    double mu = 0, var = 0;
    for (int64_t j = 0; j < C; ++j) mu += xr(j);
    mu /= double(C);
    for (int64_t j = 0; j < C; ++j) var += (xr(j) - mu) * (xr(j) - mu);
    const double rstd = 1 / std::sqrt(var / double(C) + eps);
    double mean_gh = 0, mean_ghx = 0;
    for (int64_t j = 0; j < C; ++j) {
      const double xhat = (xr(j) - mu) * rstd, gh = gr(j) * double(w[j]);
      out.y[size_t(r * C + j)] = xhat * double(w[j]) + double(b[j]);
      mean_gh += gh / double(C);
      mean_ghx += gh * xhat / double(C);
      out.dw[size_t(j)] += gr(j) * xhat;
      out.db[size_t(j)] += gr(j);
    }
    for (int64_t j = 0; j < C; ++j) {
      const double xhat = (xr(j) - mu) * rstd, gh = gr(j) * double(w[j]);
      out.dx[size_t(r * C + j)] = rstd * (gh - mean_gh - xhat * mean_ghx);
    }
  }
  return out;
}

// The op reads each row once for its statistics (shifted sums, kept in vector lanes) and once
// more to write it; against the two-pass reference, with row lengths around the lane count
// (tails of every length), rows centred on 0 and on 1000 with a spread of 0.01 (where an
// unshifted Σx² − (Σx)²/C would cancel), and a first element far from the rest (the shift).
TEST(LayerNorm, OnePassMatchesTwoPassReference) {
  Rng rng(24);
  for (const int64_t C : {1, 2, 7, 8, 9, 17, 64, 130}) {
    for (const float centre : {0.0f, 1000.0f}) {
      const float spread = centre == 0 ? 1.0f : 0.01f;
      Tensor xv = Tensor::randn({5, C}, rng, centre, spread);
      xv[C] = centre + 50 * spread;  // row 1 starts with an outlier
      const Tensor wv = Tensor::randn({C}, rng, 1, 0.5f), bv = Tensor::randn({C}, rng), g = Tensor::randn({5, C}, rng);
      const real eps = 1e-5f * spread * spread;
      Var x = param(xv), w = param(wv), b = param(bv);
      Var y = layer_norm(x, w, b, eps);
      backward(y, g);
      const TwoPassLayerNorm ref = two_pass_layer_norm(xv, wv, bv, g, double(eps));
      EXPECT_LT(max_rel_err(y.value(), ref.y), 1e-6) << "C=" << C << " centre=" << centre;
      EXPECT_LT(max_rel_err(x.grad(), ref.dx), 1e-5) << "C=" << C << " centre=" << centre;
      EXPECT_LT(max_rel_err(w.grad(), ref.dw), 1e-6) << "C=" << C << " centre=" << centre;
      EXPECT_LT(max_rel_err(b.grad(), ref.db), 1e-6) << "C=" << C << " centre=" << centre;
    }
  }
}

// Forward and backward split rows over the pool in chunks fixed by the row length: the same bits
// with 1, 2 or 3 threads (3 000 rows of 20 make four chunks of 819 rows).
TEST(LayerNorm, SameBitsForAnyThreadCount) {
  testing_util::KeepThreadCount keep;
  Rng rng(25);
  const Tensor xv = Tensor::randn({3000, 20}, rng, 3, 2), g = Tensor::randn({3000, 20}, rng);
  const Tensor wv = Tensor::randn({20}, rng), bv = Tensor::randn({20}, rng);
  std::vector<std::vector<real>> runs;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    Var x = param(xv), w = param(wv), b = param(bv);
    Var y = layer_norm(x, w, b);
    backward(y, g);
    std::vector<real> all = y.value().to_vector();
    for (const Tensor* t : {&x.grad(), &w.grad(), &b.grad()}) {
      const std::vector<real> v = t->to_vector();
      all.insert(all.end(), v.begin(), v.end());
    }
    runs.push_back(all);
  }
  EXPECT_EQ(runs[0], runs[1]);
  EXPECT_EQ(runs[0], runs[2]);
}

TEST(LayerNorm, Errors) {
  Var x(Tensor::zeros({2, 4}));
  try {
    layer_norm(x, Var(Tensor::ones({5})));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "layer_norm: weight of shape [5] does not match the last axis of x [2, 4] (expected [4])");
  }
  EXPECT_THROW(layer_norm(x, Var(Tensor::ones({4})), Var(Tensor::ones({1, 4}))), Error);  // bias must be [C]
  EXPECT_THROW(layer_norm(x, Var(Tensor::ones({2, 4}))), Error);
  EXPECT_THROW(layer_norm(Var(Tensor::scalar(1))), Error);
  EXPECT_THROW(layer_norm(Var(Tensor::zeros({3, 0}))), Error);
  EXPECT_THROW(layer_norm(x, Var(), Var(), -1e-5f), Error);
}

TEST(Dropout, IdentityWhenPIsZeroOrEvaluating) {
  Rng rng(1);
  Var x = param(Tensor::from({1, 2, 3}));
  const auto before = rng.state();
  EXPECT_TRUE(dropout(x, 0, rng).same_as(x));
  EXPECT_TRUE(dropout(x, 0.5f, rng, /*training=*/false).same_as(x));
  EXPECT_EQ(rng.state(), before) << "no random numbers drawn";
  EXPECT_EQ(Tape::current().size(), 0u);
}

TEST(Dropout, DropsAboutPAndScalesTheRest) {
  Rng rng(2);
  const real p = 0.3f;
  const Tensor y = dropout(Var(Tensor::ones({200, 500})), p, rng).value();
  int64_t zeros = 0;
  for (real v : y) {
    if (v == 0) ++zeros;
    else EXPECT_EQ(v, real(1) / (real(1) - p));
  }
  // 100 000 Bernoulli(0.3) draws: the fraction has standard deviation 0.0014; allow 0.01.
  EXPECT_NEAR(double(zeros) / double(y.numel()), p, 0.01);
}

TEST(Dropout, SameSeedSameMaskAndTheGradientIsTheMask) {
  Rng a(42), b(42), c(43);
  Var x = param(Tensor::ones({64}));
  Var ya = dropout(x, 0.5f, a);
  EXPECT_EQ(ya.value().to_vector(), dropout(x, 0.5f, b).value().to_vector());
  EXPECT_NE(ya.value().to_vector(), dropout(x, 0.5f, c).value().to_vector());
  Tape::current().clear();
  Rng d(42);
  Var y = dropout(x, 0.5f, d);
  backward(sum(y));
  EXPECT_EQ(x.grad().to_vector(), ya.value().to_vector());  // x = 1, so y = mask = dy/dx
}

TEST(Dropout, Gradcheck) {
  Rng rng(3);
  Var x = param(Tensor::randn({3, 7}, rng));
  // A fresh Rng inside fn: every evaluation (tape and finite differences) draws the same mask.
  auto r = gradcheck(
      [](const std::vector<Var>& v) {
        Rng fixed(99);
        return dropout(v[0], 0.4f, fixed);
      },
      {x});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(Dropout, Errors) {
  Rng rng(4);
  Var x(Tensor::zeros({2, 3}));
  try {
    dropout(x, 1, rng);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "dropout: p must be in [0, 1), got 1 for input of shape [2, 3]");
  }
  EXPECT_THROW(dropout(x, -0.1f, rng), Error);
  EXPECT_THROW(dropout(x, std::nanf(""), rng), Error);
  EXPECT_THROW(dropout(x, 1.5f, rng, /*training=*/false), Error);  // checked in evaluation too
}

}  // namespace
}  // namespace atn
