#include "nn/attention/kernel_regression.h"

#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "tensor/elementwise.h"
#include "tensor/reduce.h"

namespace atn {

const char* kernel_name(Kernel kernel) {
  switch (kernel) {
    case Kernel::gaussian:
      return "gaussian";
    case Kernel::boxcar:
      return "boxcar";
    case Kernel::epanechnikov:
      return "epanechnikov";
    case Kernel::constant:
      return "constant";
  }
  return "unknown";
}

Var kernel_value(Kernel kernel, const Var& u) {
  switch (kernel) {
    case Kernel::gaussian:
      return exp(square(u) * real(-0.5));
    case Kernel::boxcar:
      return constant(map(u.value(), [](real x) { return std::fabs(x) <= 1 ? real(1) : real(0); }));
    case Kernel::epanechnikov:
      return relu(1.0f - square(u));
    case Kernel::constant:
      return constant(Tensor::ones(u.shape()));
  }
  fail("kernel_value: unknown kernel");
}

NadarayaWatson::NadarayaWatson(Kernel kernel_kind, real width) : kernel(kernel_kind) {
  if (!(width > 0) || !std::isfinite(width)) fail("NadarayaWatson: width must be positive and finite, got ", width);
  register_parameter("log_width", log_width, Tensor::from({std::log(width)}));
}

real NadarayaWatson::width() const { return std::exp(log_width.value()[0]); }

std::string NadarayaWatson::type_name() const { return std::string("NadarayaWatson(") + kernel_name(kernel) + ")"; }

KernelRegressionResult NadarayaWatson::forward(const Var& x, const Var& x_train, const Var& y_train) {
  if (x.dim() != 1 || x_train.dim() != 1 || y_train.dim() != 1 || x_train.size(0) != y_train.size(0) ||
      x_train.size(0) == 0)
    fail("NadarayaWatson: x ", to_string(x.shape()), " must be [m], x_train ", to_string(x_train.shape()),
         " and y_train ", to_string(y_train.shape()), " [n] with the same n >= 1");
  const int64_t n = x_train.size(0);
  // u[q, i] = (x_q − x_i)/h, every query against every training point: [m, 1] − [1, n] → [m, n].
  Var u = (unsqueeze(x, 1) - unsqueeze(x_train, 0)) * exp(-log_width);
  Var weights;
  if (kernel == Kernel::gaussian) {
    weights = softmax(square(u) * real(-0.5));  // = exp(−u²/2) / Σ exp(−u²/2), computed stably
  } else {
    Var k = kernel_value(kernel, u);  // [m, n]
    Var total = sum(k, 1, true);      // [m, 1]
    // An empty window has total = 0; adding 1 there (a constant) gives weights 0/1 = 0, not 0/0.
    const Tensor empty = map(total.value(), [](real t) { return t == 0 ? real(1) : real(0); });
    weights = k / (total + constant(empty));
  }
  Var prediction = reshape(matmul(weights, reshape(y_train, {n, 1})), {-1});  // Σ_i α_qi y_i
  return {prediction, weights};
}

}  // namespace atn
