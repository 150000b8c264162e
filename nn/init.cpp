#include "nn/init.h"

#include <cmath>

namespace atn::init {

Fans fans(const Shape& shape) {
  if (shape.size() < 2) fail("init: fan-in and fan-out need a weight with at least 2 dimensions, got ", to_string(shape));
  int64_t receptive = 1;
  for (size_t i = 2; i < shape.size(); ++i) receptive *= shape[i];
  return {shape[1] * receptive, shape[0] * receptive};
}

void zeros(Tensor& t) { t.fill(0); }
void ones(Tensor& t) { t.fill(1); }
void constant(Tensor& t, real value) { t.fill(value); }

void normal(Tensor& t, Rng& rng, real mean, real std) {
  if (std < 0) fail("init::normal: std must be non-negative, got ", std);
  for (real& v : t) v = rng.normal(mean, std);
}

void uniform(Tensor& t, Rng& rng, real low, real high) {
  if (low > high) fail("init::uniform: low ", low, " is above high ", high);
  for (real& v : t) v = low + (high - low) * rng.uniform();
}

void xavier_uniform(Tensor& t, Rng& rng, real gain) {
  const Fans f = fans(t.shape());
  const real bound = gain * std::sqrt(real(6) / real(f.in + f.out));
  uniform(t, rng, -bound, bound);
}

void xavier_normal(Tensor& t, Rng& rng, real gain) {
  const Fans f = fans(t.shape());
  normal(t, rng, 0, gain * std::sqrt(real(2) / real(f.in + f.out)));
}

namespace {
real kaiming_gain(real negative_slope) { return std::sqrt(real(2) / (1 + negative_slope * negative_slope)); }
}  // namespace

void kaiming_uniform(Tensor& t, Rng& rng, real negative_slope) {
  const real std = kaiming_gain(negative_slope) / std::sqrt(real(fans(t.shape()).in));
  const real bound = std::sqrt(real(3)) * std;  // a uniform on [−b, b] has std b/√3
  uniform(t, rng, -bound, bound);
}

void kaiming_normal(Tensor& t, Rng& rng, real negative_slope) {
  normal(t, rng, 0, kaiming_gain(negative_slope) / std::sqrt(real(fans(t.shape()).in)));
}

void linear_default(Tensor& weight, Tensor* bias, Rng& rng) {
  const real bound = 1 / std::sqrt(real(fans(weight.shape()).in));
  uniform(weight, rng, -bound, bound);
  if (bias) uniform(*bias, rng, -bound, bound);
}

void gpt2(Tensor& t, Rng& rng) { normal(t, rng, 0, 0.02f); }

void gpt2_residual(Tensor& t, Rng& rng, int64_t n_layers) {
  if (n_layers < 1) fail("init::gpt2_residual: n_layers must be at least 1, got ", n_layers);
  normal(t, rng, 0, 0.02f / std::sqrt(real(2 * n_layers)));
}

}  // namespace atn::init
