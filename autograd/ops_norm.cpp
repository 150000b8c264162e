#include "autograd/ops_norm.h"

#include <cmath>
#include <vector>

namespace atn {

namespace {
void check_affine(const Var& v, const char* what, const Shape& x_shape) {
  if (!v.defined()) return;
  const int64_t c = x_shape.back();
  if (v.shape() != Shape{c})
    fail("layer_norm: ", what, " of shape ", to_string(v.shape()), " does not match the last axis of x ",
         to_string(x_shape), " (expected [", c, "])");
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
  std::vector<double> mean(static_cast<size_t>(rows)), rstd(static_cast<size_t>(rows));
  Tensor y(shape);
  const real* px = x.value().data();
  const real* w = weight.defined() ? weight.value().data() : nullptr;
  const real* b = bias.defined() ? bias.value().data() : nullptr;
  for (int64_t r = 0; r < rows; ++r) {
    const real* xr = px + r * C;
    real* yr = y.data() + r * C;
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
  }

  std::vector<Var> inputs{x};
  if (weight.defined()) inputs.push_back(weight);
  if (bias.defined()) inputs.push_back(bias);
  return record("layer_norm", y, inputs, [x, weight, bias, mean = std::move(mean), rstd = std::move(rstd), rows,
                                          C](const Tensor& g) {
    const real* xv = x.value().data();
    const real* wv = weight.defined() ? weight.value().data() : nullptr;
    const bool want_x = x.requires_grad();
    Tensor dx = want_x ? Tensor(x.shape()) : Tensor();
    const size_t n = static_cast<size_t>(C);
    std::vector<double> dw(n, 0.0), db(n, 0.0);
    std::vector<double> xhat(n), ghat(n);
    for (int64_t r = 0; r < rows; ++r) {
      const real* xr = xv + r * C;
      const real* gr = g.data() + r * C;
      double mean_g = 0, mean_gx = 0;  // mean(ĝ) and mean(ĝ ⊙ x̂) over the row
      for (int64_t j = 0; j < C; ++j) {
        // x̂ recomputed (cheaper than storing it), in double from the double μ and 1/σ.
        xhat[size_t(j)] = (double(xr[j]) - mean[size_t(r)]) * rstd[size_t(r)];
        ghat[size_t(j)] = wv ? double(gr[j]) * double(wv[j]) : double(gr[j]);
        mean_g += ghat[size_t(j)];
        mean_gx += ghat[size_t(j)] * xhat[size_t(j)];
        dw[size_t(j)] += double(gr[j]) * xhat[size_t(j)];
        db[size_t(j)] += gr[j];
      }
      if (!want_x) continue;
      mean_g /= double(C);
      mean_gx /= double(C);
      real* dr = dx.data() + r * C;
      for (int64_t j = 0; j < C; ++j)
        dr[j] = real(rstd[size_t(r)] * (ghat[size_t(j)] - mean_g - xhat[size_t(j)] * mean_gx));
    }
    if (want_x) x.accumulate_grad(dx);
    if (weight.requires_grad()) weight.accumulate_grad(Tensor(Shape{C}, std::vector<real>(dw.begin(), dw.end())));
    if (bias.requires_grad()) bias.accumulate_grad(Tensor(Shape{C}, std::vector<real>(db.begin(), db.end())));
  });
}

}  // namespace atn
