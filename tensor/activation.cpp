#include "tensor/activation.h"

#include <cmath>

#include "tensor/elementwise.h"
#include "tensor/fast_math.h"

namespace atn {

namespace {

constexpr double kPi = 3.14159265358979323846;
const real kInvSqrt2 = real(1 / std::sqrt(2.0));             // 1/√2, for Φ(x) = ½(1 + erf(x/√2))
const real kInvSqrt2Pi = real(1 / std::sqrt(2.0 * kPi));     // 1/√(2π), for φ(x) = e^(−x²/2)/√(2π)
const real kSqrt2OverPi = real(std::sqrt(2.0 / kPi));        // √(2/π), the tanh approximation's scale
constexpr real kGeluCubic = 0.044715f;                       // the tanh approximation's cubic term

// σ(x) written so that exp never sees a positive argument (no overflow for large |x|).
real stable_sigmoid(real x) {
  if (x >= 0) return 1 / (1 + std::exp(-x));
  const real e = std::exp(x);
  return e / (1 + e);
}

// Φ(v) = ½(1 + erf(v/√2)) and φ(v) = e^(−v²/2)/√(2π) from the vectorizable erf and exp, and
// GELU's derivative Φ(v) + v·φ(v), for the kernels below.
inline real normal_cdf(real v) { return real(0.5) * (1 + detail::erf_approx(v * kInvSqrt2)); }
inline real normal_pdf(real v) { return kInvSqrt2Pi * detail::exp_approx(real(-0.5) * v * v); }

// Backward kernels receive x and the gradient of the output, which must line up one to one.
void check_same_shape(const Tensor& x, const Tensor& grad_out, const char* op) {
  if (x.shape() != grad_out.shape())
    fail(op, ": input ", to_string(x.shape()), " and output gradient ", to_string(grad_out.shape()), " differ");
}

}  // namespace

Tensor leaky_relu(const Tensor& x, real slope) {
  return map(x, [slope](real v) { return v > 0 ? v : slope * v; });
}

Tensor gelu(const Tensor& x) {
  return map(x, [](real v) { return real(0.5) * v * (1 + detail::erf_approx(v * kInvSqrt2)); });
}

Tensor gelu_reference(const Tensor& x) {
  return map(x, [](real v) { return real(0.5) * v * (1 + std::erf(v * kInvSqrt2)); });
}

Tensor gelu_tanh(const Tensor& x) {
  return map(x, [](real v) {
    const real u = kSqrt2OverPi * (v + kGeluCubic * v * v * v);
    return real(0.5) * v * (1 + std::tanh(u));
  });
}

Tensor silu(const Tensor& x) {
  return map(x, [](real v) { return v * stable_sigmoid(v); });
}

// relu'(x) = 1 for x > 0, and we choose 0 at the kink x = 0 (as PyTorch does).
Tensor relu_backward(const Tensor& x, const Tensor& grad_out) {
  check_same_shape(x, grad_out, "relu_backward");
  return zip(x, grad_out, [](real v, real g) { return v > 0 ? g : real(0); }, "relu_backward");
}

Tensor leaky_relu_backward(const Tensor& x, const Tensor& grad_out, real slope) {
  check_same_shape(x, grad_out, "leaky_relu_backward");
  return zip(x, grad_out, [slope](real v, real g) { return v > 0 ? g : slope * g; }, "leaky_relu_backward");
}

// d/dx x·Φ(x) = Φ(x) + x·φ(x), by the product rule (Φ' = φ).
Tensor gelu_backward(const Tensor& x, const Tensor& grad_out) {
  check_same_shape(x, grad_out, "gelu_backward");
  return zip(x, grad_out, [](real v, real g) { return g * (normal_cdf(v) + v * normal_pdf(v)); }, "gelu_backward");
}

// y = x·Φ(x) is computed as v·(½(1 + erf)) here and as (½v)·(1 + erf) in gelu: halving is
// exact, so both are the one rounding of the same product.
Tensor gelu_keeping_cdf(const Tensor& x, Tensor* cdf) {
  Tensor y = Tensor::empty(x.shape());  // both are written in full below
  *cdf = Tensor::empty(x.shape());
  const real* px = x.data();
  real* py = y.data();
  real* pc = cdf->data();
  detail::for_chunks(x.numel(), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const real v = px[i], c = normal_cdf(v);
      pc[i] = c;
      py[i] = v * c;
    }
  });
  return y;
}

Tensor gelu_backward_from_cdf(const Tensor& x, const Tensor& cdf, const Tensor& grad_out) {
  check_same_shape(x, grad_out, "gelu_backward_from_cdf");
  check_same_shape(x, cdf, "gelu_backward_from_cdf");
  Tensor dx = Tensor::empty(x.shape());
  const real* px = x.data();
  const real* pc = cdf.data();
  const real* pg = grad_out.data();
  real* pd = dx.data();
  detail::for_chunks(x.numel(), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const real v = px[i];
      pd[i] = pg[i] * (pc[i] + v * normal_pdf(v));
    }
  });
  return dx;
}

Tensor gelu_backward_reference(const Tensor& x, const Tensor& grad_out) {
  check_same_shape(x, grad_out, "gelu_backward_reference");
  return zip(x, grad_out, [](real v, real g) {
    const real cdf = real(0.5) * (1 + std::erf(v * kInvSqrt2));
    const real pdf = kInvSqrt2Pi * std::exp(real(-0.5) * v * v);
    return g * (cdf + v * pdf);
  }, "gelu_backward_reference");
}

// With t = tanh(u), u = √(2/π)(x + 0.044715x³):
// d/dx 0.5x(1 + t) = 0.5(1 + t) + 0.5x(1 − t²)·√(2/π)(1 + 3·0.044715x²).
Tensor gelu_tanh_backward(const Tensor& x, const Tensor& grad_out) {
  check_same_shape(x, grad_out, "gelu_tanh_backward");
  return zip(x, grad_out, [](real v, real g) {
    const real t = std::tanh(kSqrt2OverPi * (v + kGeluCubic * v * v * v));
    const real du = kSqrt2OverPi * (1 + 3 * kGeluCubic * v * v);
    return g * (real(0.5) * (1 + t) + real(0.5) * v * (1 - t * t) * du);
  }, "gelu_tanh_backward");
}

// d/dx x·σ(x) = σ(x) + x·σ(x)(1 − σ(x)) = σ(x)(1 + x(1 − σ(x))).
Tensor silu_backward(const Tensor& x, const Tensor& grad_out) {
  check_same_shape(x, grad_out, "silu_backward");
  return zip(x, grad_out, [](real v, real g) {
    const real s = stable_sigmoid(v);
    return g * s * (1 + v * (1 - s));
  }, "silu_backward");
}

}  // namespace atn
