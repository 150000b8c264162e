#include "nn/rope.h"

#include <cmath>
#include <sstream>

#include "autograd/tape.h"

namespace atn {

namespace {

// Rotates every pair of every row of x [rows·T, d] (row r at position offset + r % T) by
// +angle (sign = 1) or −angle (sign = −1). cos_t/sin_t [T, d/2] hold cos(pθ_i), sin(pθ_i).
Tensor rotate_pairs(const Tensor& x, const Tensor& cos_t, const Tensor& sin_t, real sign) {
  const int64_t T = cos_t.size(0), half = cos_t.size(1), d = 2 * half;
  const int64_t rows = x.numel() / d;
  Tensor y(x.shape());
  const real* px = x.data();
  real* py = y.data();
  for (int64_t r = 0; r < rows; ++r) {
    const real* c = cos_t.data() + (r % T) * half;
    const real* s = sin_t.data() + (r % T) * half;
    for (int64_t i = 0; i < half; ++i) {
      const real x0 = px[r * d + 2 * i], x1 = px[r * d + 2 * i + 1], si = sign * s[i];
      py[r * d + 2 * i] = x0 * c[i] - x1 * si;
      py[r * d + 2 * i + 1] = x0 * si + x1 * c[i];
    }
  }
  return y;
}

}  // namespace

RotaryPositionalEmbedding::RotaryPositionalEmbedding(int64_t d, double b) : d_head(d), base(b) {
  if (d < 2 || d % 2 != 0) fail("RotaryPositionalEmbedding: d_head must be even and >= 2, got ", d);
  if (!(b > 1)) fail("RotaryPositionalEmbedding: base must be > 1, got ", b);
  for (int64_t i = 0; i < d / 2; ++i) theta_.push_back(std::pow(b, -2.0 * double(i) / double(d)));
}

Var RotaryPositionalEmbedding::apply(const Var& x, int64_t offset) const {
  if (x.dim() < 2 || x.size(-1) != d_head)
    fail("RotaryPositionalEmbedding: input ", to_string(x.shape()), " is not [..., T, d_head] with d_head=", d_head);
  if (offset < 0) fail("RotaryPositionalEmbedding: position offset must be >= 0, got ", offset);
  const int64_t T = x.size(-2), half = d_head / 2;
  // The angles in double: p·θ_0 = p radians, large for long sequences, where float would lose
  // the low digits before cos/sin see them.
  Tensor cos_t({T, half}), sin_t({T, half});
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < half; ++i) {
      const double angle = double(offset + t) * theta_[size_t(i)];
      cos_t[t * half + i] = real(std::cos(angle));
      sin_t[t * half + i] = real(std::sin(angle));
    }
  // y = R x with R block-diagonal and orthogonal, so dL/dx = Rᵀ g: the rotation by −angle.
  return record("rope", rotate_pairs(x.value(), cos_t, sin_t, 1), {x},
                [x, cos_t, sin_t](const Tensor& g) { x.accumulate_grad(rotate_pairs(g, cos_t, sin_t, -1)); });
}

double RotaryPositionalEmbedding::theta(int64_t i) const {
  if (i < 0 || i >= d_head / 2) fail("RotaryPositionalEmbedding: pair ", i, " out of range [0, ", d_head / 2, ")");
  return theta_[size_t(i)];
}

std::string RotaryPositionalEmbedding::type_name() const {
  std::ostringstream os;
  os << "RotaryPositionalEmbedding(" << d_head << ", base=" << base << ")";
  return os.str();
}

}  // namespace atn
