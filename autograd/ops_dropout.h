// Inverted dropout (Srivastava et al. 2014; "inverted" as in PyTorch).
#pragma once
#include "autograd/tape.h"
#include "tensor/rng.h"

namespace atn {

// In training, each element is zeroed with probability p and the survivors are multiplied by
// 1/(1 − p), so the expected value of every element is unchanged and evaluation needs no
// rescaling. The mask takes one rng.bernoulli(p) per element in row-major order, so the same
// Rng state gives the same mask. Backward: dx = g ⊙ mask (the same zeros and the same scale).
// p = 0 or training = false returns x itself (no copy, nothing on the tape, no draw from rng).
// p must be in [0, 1): p = 1 would zero everything and divide by 0.
Var dropout(const Var& x, real p, Rng& rng, bool training = true);

}  // namespace atn
