// Layer normalization over the last axis, fused: one op on the tape, one closure for backward.
#pragma once
#include "autograd/tape.h"

namespace atn {

// For every row x of the last axis (C values):
//   μ = mean(x),  σ² = mean((x − μ)²)  (biased: divide by C),  x̂ = (x − μ) / sqrt(σ² + eps),
//   y = x̂ ⊙ weight + bias.
// As PyTorch's LayerNorm (Ba, Kiros & Hinton 2016): biased variance and eps inside the root.
// weight and bias may each be an undefined Var() (no scale / no shift); when given, their shape
// must be [C]. The forward saves μ and 1/sqrt(σ² + eps) per row, in double (see ops_norm.cpp);
// the backward is the closed form
//   dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)),  ĝ = g ⊙ weight,
//   dweight = Σ_rows g ⊙ x̂,  dbias = Σ_rows g,
// where the means are over the row: the two subtracted terms are the gradient that flows back
// through μ and through σ, which also depend on every element of the row.
Var layer_norm(const Var& x, const Var& weight = Var(), const Var& bias = Var(), real eps = 1e-5f);

}  // namespace atn
