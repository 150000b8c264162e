// Nadaraya–Watson kernel regression (Nadaraya 1964, Watson 1964): attention before attention.
//
// Given training pairs (x_i, y_i), the prediction at a query x is a weighted average of the y_i,
// with weights from a kernel K that decays with the distance between x and x_i:
//
//   f(x) = Σ_i α(x, x_i) y_i,   α(x, x_i) = K((x − x_i)/h) / Σ_j K((x − x_j)/h).
//
// In attention's words: x is the query, the x_i are the keys, the y_i the values, and α is the
// attention weight (each row sums to 1). For the Gaussian kernel α is exactly a softmax of the
// scores −((x − x_i)/h)²/2, which is how we compute it (stable for any h: no 0/0 when every
// exp() underflows).
//
// The width h is a parameter, stored as "log_width" = log h, so that gradient steps can move it
// anywhere on the real line while h = exp(log_width) stays positive. All kernels read it; only the
// Gaussian and Epanechnikov weights depend on it smoothly (the boxcar's weights are piecewise
// constant in h, so their gradient is zero, and the constant kernel ignores h).
#pragma once
#include "nn/module.h"

namespace atn {

// With u = (x − x_i)/h (normalizing constants omitted: they cancel in α):
//   gaussian      K(u) = exp(−u²/2)
//   boxcar        K(u) = 1 if |u| ≤ 1, else 0
//   epanechnikov  K(u) = max(0, 1 − u²)
//   constant      K(u) = 1              (every y_i weighted equally: the mean of y)
enum class Kernel { gaussian, boxcar, epanechnikov, constant };

const char* kernel_name(Kernel kernel);  // "gaussian", ...

// K(u) elementwise, differentiable where K is (the boxcar's indicator is a constant: its
// derivative is 0 wherever it exists). For plotting the kernels' shapes.
Var kernel_value(Kernel kernel, const Var& u);

struct KernelRegressionResult {
  Var prediction;  // [m]
  Var weights;     // [m, n]: row q holds α(x_q, x_i) over the n training points
};

class NadarayaWatson : public Module {
 public:
  explicit NadarayaWatson(Kernel kernel = Kernel::gaussian, real width = 1);

  // x [m] (queries), x_train [n] (keys), y_train [n] (values). Gradients reach log_width and any
  // of the three inputs that requires one.
  //
  // Boxcar and Epanechnikov have compact support: a query with no training point inside its
  // window (|x − x_i| ≥ h for every i) has nothing to average. We define its weights as all zero
  // and its prediction as 0 (never NaN): the heatmap shows an empty row, the plot a drop to 0.
  KernelRegressionResult forward(const Var& x, const Var& x_train, const Var& y_train);
  KernelRegressionResult operator()(const Var& x, const Var& x_train, const Var& y_train) {
    return forward(x, x_train, y_train);
  }

  real width() const;  // h = exp(log_width)
  std::string type_name() const override;

  Kernel kernel;
  Var log_width;  // [1]
};

}  // namespace atn
