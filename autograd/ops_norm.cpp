#include "autograd/ops_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

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
  std::vector<double> mean(static_cast<size_t>(rows)), rstd(static_cast<size_t>(rows));
  Tensor y = Tensor::empty(shape);
  const real* px = x.value().data();
  const real* w = weight.defined() ? weight.value().data() : nullptr;
  const real* b = bias.defined() ? bias.value().data() : nullptr;
  real* py = y.data();
  auto normalize_row = [&](int64_t r) {
    const real* xr = px + r * C;
    real* yr = py + r * C;
    // Two passes (mean, then squared deviations) rather than E[x²] − E[x]², which cancels
    // catastrophically when |μ| is large compared with σ.
    double s = 0;
    for (int64_t j = 0; j < C; ++j) s += xr[j];
    const double mu = s / double(C);
    double ss = 0;
    for (int64_t j = 0; j < C; ++j) ss += (xr[j] - mu) * (xr[j] - mu);
    const double rs = 1.0 / std::sqrt(ss / double(C) + double(eps));
    mean[size_t(r)] = mu;
    rstd[size_t(r)] = rs;
    for (int64_t j = 0; j < C; ++j) {
      real v = real((xr[j] - mu) * rs);
      if (w) v *= w[j];
      if (b) v += b[j];
      yr[j] = v;
    }
  };
  parallel_for(rows, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) normalize_row(r);
  }, rows_per_chunk(C));

  std::vector<Var> inputs{x};
  if (weight.defined()) inputs.push_back(weight);
  if (bias.defined()) inputs.push_back(bias);
  return record("layer_norm", y, inputs, [x, weight, bias, mean = std::move(mean), rstd = std::move(rstd), rows,
                                          C](const Tensor& g) {
    const real* xv = x.value().data();
    const real* wv = weight.defined() ? weight.value().data() : nullptr;
    const bool want_x = x.requires_grad();
    Tensor dx = want_x ? Tensor::empty(x.shape()) : Tensor();
    const size_t n = static_cast<size_t>(C);
    // Row r's share: dx's row, and its terms of dw = Σ_r g ⊙ x̂ and db = Σ_r g (added into dw, db).
    // xhat and ghat are scratch rows.
    auto backward_row = [&](int64_t r, double* dw, double* db, double* xhat, double* ghat) {
      const real* xr = xv + r * C;
      const real* gr = g.data() + r * C;
      double mean_g = 0, mean_gx = 0;  // mean(ĝ) and mean(ĝ ⊙ x̂) over the row
      for (size_t j = 0; j < n; ++j) {
        // x̂ recomputed (cheaper than storing it), in double from the double μ and 1/σ.
        xhat[j] = (double(xr[j]) - mean[size_t(r)]) * rstd[size_t(r)];
        ghat[j] = wv ? double(gr[j]) * double(wv[j]) : double(gr[j]);
        mean_g += ghat[j];
        mean_gx += ghat[j] * xhat[j];
        dw[j] += double(gr[j]) * xhat[j];
        db[j] += gr[j];
      }
      if (!want_x) return;
      mean_g /= double(C);
      mean_gx /= double(C);
      real* dr = dx.data() + r * C;
      for (size_t j = 0; j < n; ++j) dr[j] = real(rstd[size_t(r)] * (ghat[j] - mean_g - xhat[j] * mean_gx));
    };
    // Chunk k of rows adds its dw and db into parts[k·2C, (k+1)·2C): dw first, then db.
    const int64_t chunk = rows_per_chunk(C), n_chunks = (rows + chunk - 1) / chunk;
    std::vector<double> parts(size_t(n_chunks) * 2 * n, 0.0);
    parallel_for(n_chunks, [&](int64_t k0, int64_t k1) {
      std::vector<double> xhat(n), ghat(n);
      for (int64_t k = k0; k < k1; ++k) {
        double* dw = parts.data() + size_t(k) * 2 * n;
        for (int64_t r = k * chunk; r < std::min(rows, (k + 1) * chunk); ++r)
          backward_row(r, dw, dw + n, xhat.data(), ghat.data());
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
