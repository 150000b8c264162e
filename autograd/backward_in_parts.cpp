#include "autograd/backward_in_parts.h"

#include <cmath>

#include "autograd/held_gradients.h"
#include "autograd/ops_basic.h"
#include "autograd/tape.h"
#include "tensor/error.h"
#include "tensor/thread_pool.h"

namespace atn {

std::vector<real> backward_in_parts(const std::vector<std::function<Var()>>& parts, const std::vector<real>& weights,
                                    bool concurrently) {
  const int64_t n = int64_t(parts.size());
  if (n == 0) fail("backward_in_parts: no parts");
  if (weights.size() != parts.size()) fail("backward_in_parts: ", weights.size(), " weights for ", n, " parts");
  for (real w : weights)
    if (!std::isfinite(w)) fail("backward_in_parts: a weight is ", w, "; weights must be finite");
  if (!Tape::recording()) fail("backward_in_parts: called inside NoGrad, where nothing is recorded");
  if (Tape::current().size() != 0)
    fail("backward_in_parts: this thread's tape already holds ", Tape::current().size(),
         " entries, which backward would differentiate with the first part; run backward() or clear the tape first");

  std::vector<HeldGradients> held(static_cast<size_t>(n));
  std::vector<real> losses(static_cast<size_t>(n));
  auto run_part = [&](int64_t p) {
    try {
      const HoldLeafGradients hold(held[size_t(p)]);
      const Var loss = parts[size_t(p)]();
      if (!loss.defined() || loss.numel() != 1)
        fail("backward_in_parts: part ", p, " returned ", loss.defined() ? to_string(loss.shape()) : "nothing",
             ", not a scalar loss");
      losses[size_t(p)] = loss.item();
      backward(weights[size_t(p)] == 1 ? loss : mul(loss, weights[size_t(p)]), {.keep_intermediate_grads = false});
    } catch (...) {
      Tape::current().clear();  // what the part recorded before it failed
      throw;
    }
  };
  if (concurrently)
    parallel_for(n, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) run_part(p);
    });
  else
    for (int64_t p = 0; p < n; ++p) run_part(p);
  for (HeldGradients& h : held) h.add_to_leaves();  // part 0 first: the order fixes the bits
  return losses;
}

}  // namespace atn
