// The same step of the mean-field map written with the engine's differentiable ops (float32),
// so the tape can differentiate it: the analytic Jacobian (dynamics/lyapunov.h) is checked
// against this one, and a lesson can show that the two agree.
#pragma once
#include "autograd/var.h"
#include "dynamics/lyapunov.h"

namespace atn {

// window: [C, M] = [4, 3], row d = A_d. Returns the next window flattened, [12]:
// (A_t, A_0, A_1, A_2). The position codes are constants taken from `state` (its A is ignored).
Var mean_field_step_var(const MeanFieldMap& map, const Var& window, const MeanFieldState& state);

// ∂(next window)/∂(window) at `state` from the tape: one vector-Jacobian product per output.
MfJacobian mean_field_jacobian_autograd(const MeanFieldMap& map, const MeanFieldState& state);

}  // namespace atn
