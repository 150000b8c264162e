// layer_norm: one pass over each row for its statistics (forward) and for its two gradient sums
// (backward), then one pass writing the output row.
//
// The row statistics are shifted sums in double, s1 = Σ d_j and s2 = Σ d_j² with d_j = x_j − x_0
// (Chan, Golub & LeVeque, "Algorithms for computing the sample variance", Am. Stat. 1983):
//   μ = x_0 + s1/C,   σ² = s2/C − (s1/C)².
// Why these and not the alternatives:
//  - E[x²] − E[x]² without the shift loses about log10(μ²/σ²) digits to cancellation: rows of
//    mean 1000 and spread 0.01 would lose 10 of double's 16. Shifted by x_0 it loses
//    log10((μ − x_0)²/σ²) digits, and (x_0 − μ)² ≤ C·σ² always (it is one of the C squared
//    deviations that average to σ²), so at most log10(C): 3 digits for rows of 1000 values.
//  - d_j = x_j − x_0 of two floats is exact in double whenever they are within a factor 2²⁹ of
//    each other, so the sums start from the data's own digits; after that only the sums round.
//  - Welford's update (Welford 1962) is as stable but divides once per value and each step
//    depends on the previous one; the sums are independent across lanes and vectorize.
//  - The textbook two passes (mean, then squared deviations) read the row twice for the same
//    accuracy; tests/test_ops_norm.cpp keeps them as the reference the op is checked against.
// The sums run in kLanes independent lanes (lane l takes j ≡ l mod kLanes), added together in
// lane order at the end: the order depends on C only, so the bits never depend on threads.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "autograd/ops_norm.h"
#include "tensor/thread_pool.h"

namespace atn {

namespace {
void check_affine(const Var& v, const char* what, const Shape& x_shape) {
  if (!v.defined()) return;
  const int64_t c = x_shape.back();
  if (v.shape() != Shape{c})
    fail("layer_norm: ", what, " of shape ", to_string(v.shape()), " does not match the last axis of x ",
         to_string(x_shape), " (expected [", c, "])");
}
// Rows are processed in chunks of this many (about 16K values each), spread over the thread
// pool. The chunks depend on the row length only, never on the thread count; the backward sums
// the weight and bias gradients per chunk and adds the chunks' sums in chunk order, so the
// result is the same bits for any number of threads.
int64_t rows_per_chunk(int64_t C) { return std::max<int64_t>(1, (int64_t(1) << 14) / C); }

// kLanes doubles, written with the GCC/Clang vector extension (as the matmul kernel does): the
// compiler maps them to whatever vector registers the target has.
constexpr int kLanes = 8;
using Doubles = double __attribute__((vector_size(kLanes * sizeof(double))));
using Reals = real __attribute__((vector_size(kLanes * sizeof(real))));

// p[0..kLanes) converted to double (memcpy: p need not be aligned).
inline Doubles load(const real* p) {
  Reals v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_convertvector(v, Doubles);
}
inline Doubles load(const double* p) {
  Doubles v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(double* p, Doubles v) { std::memcpy(p, &v, sizeof v); }
inline double lane_sum(Doubles v) {
  double s = 0;
  for (int l = 0; l < kLanes; ++l) s += v[l];
  return s;
}

struct RowStats {
  double mean, rstd;  // μ and 1/sqrt(σ² + eps)
};

// One pass over x[0..C): the shifted sums s1, s2 (see the top of the file).
RowStats row_stats(const real* x, int64_t C, double eps) {
  const double x0 = x[0];
  Doubles s1{}, s2{};
  int64_t j = 0;
  for (; j + kLanes <= C; j += kLanes) {
    const Doubles d = load(x + j) - x0;
    s1 += d;
    s2 += d * d;
  }
  double t1 = lane_sum(s1), t2 = lane_sum(s2);
  for (; j < C; ++j) {
    const double d = double(x[j]) - x0;
    t1 += d;
    t2 += d * d;
  }
  const double m1 = t1 / double(C);
  const double var = std::max(0.0, t2 / double(C) - m1 * m1);  // ≥ 0 exactly; rounding could dip below
  return {x0 + m1, 1.0 / std::sqrt(var + eps)};
}
}  // namespace

Var layer_norm(const Var& x, const Var& weight, const Var& bias, real eps) {
  const Shape& shape = x.shape();
  if (shape.empty()) fail("layer_norm: x needs at least one axis, got a scalar of shape ", to_string(shape));
  const int64_t C = shape.back();
  if (C == 0) fail("layer_norm: the last axis of x ", to_string(shape), " is empty");
  if (!(eps >= 0)) fail("layer_norm: eps must be non-negative, got ", eps);
  check_affine(weight, "weight", shape);
  check_affine(bias, "bias", shape);

  const int64_t rows = x.numel() / C;
  // Saved for the backward, one value per row, in double: with |μ| ≫ σ (rows of mean 1000 and
  // spread 0.01) a float μ is off by 0.3% of σ, and so would be the x̂ the backward rebuilds.
  std::vector<RowStats> stats(static_cast<size_t>(rows));
  Tensor y = Tensor::empty(shape);
  const real* px = x.value().data();
  const real* w = weight.defined() ? weight.value().data() : nullptr;
  const real* b = bias.defined() ? bias.value().data() : nullptr;
  real* py = y.data();
  parallel_for(rows, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const real* xr = px + r * C;
      real* yr = py + r * C;
      const RowStats st = row_stats(xr, C, double(eps));
      stats[size_t(r)] = st;
      for (int64_t j = 0; j < C; ++j) {
        real v = real((xr[j] - st.mean) * st.rstd);
        if (w) v *= w[j];
        if (b) v += b[j];
        yr[j] = v;
      }
    }
  }, rows_per_chunk(C));

  std::vector<Var> inputs{x};
  if (weight.defined()) inputs.push_back(weight);
  if (bias.defined()) inputs.push_back(bias);
  return record("layer_norm", y, inputs, [x, weight, bias, stats = std::move(stats), rows, C](const Tensor& g) {
    const real* xv = x.value().data();
    const real* wv = weight.defined() ? weight.value().data() : nullptr;
    const bool want_x = x.requires_grad();
    Tensor dx = want_x ? Tensor::empty(x.shape()) : Tensor();
    const size_t n = static_cast<size_t>(C);
    // Row r: one pass for mean(ĝ) and mean(ĝ ⊙ x̂) (ĝ = g ⊙ weight, x̂ rebuilt from the double μ
    // and 1/σ, cheaper than storing it) that also adds the row's terms of dw = Σ_r g ⊙ x̂ and
    // db = Σ_r g into dw, db; then one pass writing dx.
    auto backward_row = [&](int64_t r, double* dw, double* db) {
      const real* xr = xv + r * C;
      const real* gr = g.data() + r * C;
      const double mu = stats[size_t(r)].mean, rs = stats[size_t(r)].rstd;
      Doubles sg{}, sgx{};
      int64_t j = 0;
      for (; j + kLanes <= C; j += kLanes) {
        const Doubles xhat = (load(xr + j) - mu) * rs, gj = load(gr + j);
        const Doubles ghat = wv ? gj * load(wv + j) : gj;
        sg += ghat;
        sgx += ghat * xhat;
        store(dw + j, load(dw + j) + gj * xhat);
        store(db + j, load(db + j) + gj);
      }
      double sum_g = lane_sum(sg), sum_gx = lane_sum(sgx);
      for (; j < C; ++j) {
        const double xhat = (double(xr[j]) - mu) * rs, gj = gr[j];
        const double ghat = wv ? gj * double(wv[j]) : gj;
        sum_g += ghat;
        sum_gx += ghat * xhat;
        dw[j] += gj * xhat;
        db[j] += gj;
      }
      if (!want_x) return;
      const double mean_g = sum_g / double(C), mean_gx = sum_gx / double(C);
      real* dr = dx.data() + r * C;
      for (int64_t k = 0; k < C; ++k) {
        const double xhat = (double(xr[k]) - mu) * rs;
        const double ghat = wv ? double(gr[k]) * double(wv[k]) : double(gr[k]);
        dr[k] = real(rs * (ghat - mean_g - xhat * mean_gx));
      }
    };
    // Chunk k of rows adds its dw and db into parts[k·2C, (k+1)·2C): dw first, then db.
    const int64_t chunk = rows_per_chunk(C), n_chunks = (rows + chunk - 1) / chunk;
    std::vector<double> parts(size_t(n_chunks) * 2 * n, 0.0);
    parallel_for(n_chunks, [&](int64_t k0, int64_t k1) {
      for (int64_t k = k0; k < k1; ++k) {
        double* dw = parts.data() + size_t(k) * 2 * n;
        for (int64_t r = k * chunk; r < std::min(rows, (k + 1) * chunk); ++r) backward_row(r, dw, dw + n);
      }
    });
    Tensor dw({C}), db({C});
    for (size_t j = 0; j < n; ++j) {
      double sw = 0, sb = 0;
      for (size_t k = 0; k < size_t(n_chunks); ++k) {  // in chunk order: the same bits for any thread count
        sw += parts[k * 2 * n + j];
        sb += parts[k * 2 * n + n + j];
      }
      dw[int64_t(j)] = real(sw);
      db[int64_t(j)] = real(sb);
    }
    if (want_x) x.accumulate_grad(std::move(dx));
    if (weight.requires_grad()) weight.accumulate_grad(std::move(dw));
    if (bias.requires_grad()) bias.accumulate_grad(std::move(db));
  });
}

}  // namespace atn
