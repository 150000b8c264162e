// vjp: a vector-Jacobian product that leaves the tape in place (PyTorch's
// torch.autograd.grad with retain_graph=True). Used where one recorded forward needs several
// backward passes: a Jacobian row by row, a Fisher matrix, a lesson that compares gradients.
#pragma once
#include <vector>

#include "autograd/tape.h"

namespace atn {

// seedᵀ·∂out/∂w for each w in wrt (a vector-Jacobian product: PyTorch's
// torch.autograd.grad(out, wrt, seed, retain_graph=True)). It runs backward over a COPY of the
// current tape, so the tape is still there afterwards and another pass (or backward(loss)) can
// follow; every gradient it touched is restored to what it was, so the loss gradients of the
// training step are not disturbed. A w that out does not depend on gets zeros.
std::vector<Tensor> vjp(const Var& out, const Tensor& seed, const std::vector<Var>& wrt);

}  // namespace atn
