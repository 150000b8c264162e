#include "autograd/ops_dropout.h"

#include "tensor/elementwise.h"

namespace atn {

Var dropout(const Var& x, real p, Rng& rng, bool training) {
  if (!(p >= 0 && p < 1)) fail("dropout: p must be in [0, 1), got ", p, " for input of shape ", to_string(x.shape()));
  if (p == 0 || !training) return x;
  // The mask holds 0 or 1/(1 − p): the forward and the backward are both a product with it.
  const real keep_scale = real(1) / (real(1) - p);
  Tensor mask(x.shape());
  for (real& m : mask) m = rng.bernoulli(double(p)) ? real(0) : keep_scale;
  return record("dropout", mul(x.value(), mask), {x}, [x, mask](const Tensor& g) { x.accumulate_grad(mul(g, mask)); });
}

}  // namespace atn
