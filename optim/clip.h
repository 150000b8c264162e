// Gradient clipping, applied between backward() and step() (PyTorch's torch.nn.utils.clip_grad_*).
#pragma once
#include <vector>

#include "autograd/var.h"

namespace atn {

// Treats all gradients as one long vector: computes its L2 norm ‖g‖ and, when ‖g‖ > max_norm,
// multiplies every gradient by max_norm / (‖g‖ + 1e-6) (PyTorch's formula; the 1e-6 guards the
// division). The direction is kept, only the length shrinks. Returns ‖g‖ before clipping, the
// number worth logging. Parameters without a gradient are skipped. When ‖g‖ is inf or NaN the
// gradients are left as they are and the norm is returned, so the caller can skip the step.
real clip_grad_norm(const std::vector<Var>& params, real max_norm);

// Clamps every gradient entry to [−clip_value, clip_value]. This changes the direction.
void clip_grad_value(const std::vector<Var>& params, real clip_value);

}  // namespace atn
