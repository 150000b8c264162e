// linear(x, W, b) = x Wᵀ + b as one op (PyTorch's torch.nn.functional.linear), and the same
// formula composed of reshape, matmul and add for reference.
//
// Why one op: a model calls a Linear on [B, T, in] inputs dozens of times per step. Composed,
// each call records a reshape, a matmul, an add and a reshape (four tape entries, and the add
// makes a second [rows, out] tensor). The fused op records one entry, writes the bias into the
// output first and lets the gemm add x Wᵀ onto it (accumulate = true), and in the backward sums
// the bias gradient straight from the output gradient.
#pragma once
#include "autograd/tape.h"

namespace atn {

// x [..., in], weight [out, in], bias [out] or undefined → [..., out].
Var linear(const Var& x, const Var& weight, const Var& bias = Var());
// reshape → matmul → add → reshape: the same values up to the order of the additions.
Var linear_composed(const Var& x, const Var& weight, const Var& bias = Var());

}  // namespace atn
