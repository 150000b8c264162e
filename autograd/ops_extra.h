// Two fused elementwise ops the losses need, each one op on the tape because composing them
// from exp/log/mul would be unstable or give the wrong gradient at special points.
#pragma once
#include "autograd/tape.h"

namespace atn {

// softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|) so that neither eˣ
// overflows (x = 100) nor the log loses everything (x = −100 gives e^−100, not 0).
// d/dx = σ(x), exactly, also at x = 0 (a composition of relu and abs would give 0 there).
Var softplus(const Var& x);

// The pointwise Kullback–Leibler term p·(log p − log_q) for probabilities p ≥ 0 and
// log-probabilities log_q of the same shape, with the convention 0·log 0 = 0: where p = 0 the
// term is 0 whatever log_q is, even −inf (a masked position), and so are both gradients.
// Where p > 0:  d/dlog_q = −p,  d/dp = log p + 1 − log_q  (as PyTorch's kl_div backward).
Var kl_div_pointwise(const Var& log_q, const Var& p);

}  // namespace atn
