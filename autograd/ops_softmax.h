// Differentiable softmax and log-softmax along one axis (the last by default, PyTorch's dim=-1).
// Values, the −inf convention and the backward formulas live in tensor/softmax.h.
#pragma once
#include "autograd/tape.h"

namespace atn {

// y = softmax(x) along `axis`.  Backward: dx = y ⊙ (g − Σ_j g_j y_j), sums along the axis.
Var softmax(const Var& x, int64_t axis = -1);
// y = log softmax(x) along `axis`.  Backward: dx = g − softmax(x) · Σ_j g_j.
// Prefer log_softmax to log(softmax(x)): it is exact where softmax underflows to 0.
Var log_softmax(const Var& x, int64_t axis = -1);

}  // namespace atn
