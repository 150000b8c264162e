// Differentiable softmax and log-softmax over the last axis (any leading shape).
// Values, the −inf convention and the backward formulas live in tensor/softmax.h.
#pragma once
#include "autograd/tape.h"

namespace atn {

// y = softmax(x) along the last axis.  Backward: dx = y ⊙ (g − Σ_j g_j y_j).
Var softmax(const Var& x);
// y = log softmax(x) along the last axis.  Backward: dx = g − softmax(x) · Σ_j g_j.
// Prefer log_softmax to log(softmax(x)): it is exact where softmax underflows to 0.
Var log_softmax(const Var& x);

}  // namespace atn
