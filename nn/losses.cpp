#include "nn/losses.h"

#include "autograd/ops_basic.h"
#include "autograd/ops_extra.h"

namespace atn {

namespace {
Var reduce(const Var& terms, Reduction reduction, int64_t divisor) {
  switch (reduction) {
    case Reduction::none:
      return terms;
    case Reduction::sum:
      return sum(terms);
    case Reduction::mean:
      break;
  }
  return sum(terms) / real(divisor);
}
}  // namespace

Var binary_cross_entropy_with_logits(const Var& logits, const Var& targets, Reduction reduction) {
  const char* op = "binary_cross_entropy_with_logits";
  if (logits.shape() != targets.shape())
    fail(op, ": shapes differ: logits ", to_string(logits.shape()), " vs targets ", to_string(targets.shape()));
  if (reduction == Reduction::mean && logits.numel() == 0)
    fail(op, ": the mean of empty tensors of shape ", to_string(logits.shape()));
  for (real t : targets.value())
    if (!(t >= 0 && t <= 1))
      fail(op, ": target ", t, " is outside [0, 1] (targets of shape ", to_string(targets.shape()), ")");
  // softplus(x) − x·t: the softplus op carries the stable form and the exact derivative σ(x).
  return reduce(softplus(logits) - logits * targets, reduction, logits.numel());
}

Var kl_div(const Var& log_q, const Var& p, Reduction reduction) {
  if (log_q.dim() == 0) fail("kl_div: input (log q) must have at least one axis, got shape ", to_string(log_q.shape()));
  if (reduction == Reduction::mean && log_q.size(0) == 0)
    fail("kl_div: the batch mean of an empty batch ", to_string(log_q.shape()));
  for (real v : p.value())
    if (!(v >= 0))
      fail("kl_div: target probability ", v, " is negative or NaN (target of shape ", to_string(p.shape()), ")");
  return reduce(kl_div_pointwise(log_q, p), reduction, log_q.size(0));
}

}  // namespace atn
