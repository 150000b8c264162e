#include "autograd/ops_extra.h"

#include <cmath>

#include "tensor/elementwise.h"

namespace atn {

Var softplus(const Var& x) {
  Tensor y = map(x.value(), [](real v) { return std::max(v, real(0)) + std::log1p(std::exp(-std::abs(v))); });
  return record("softplus", std::move(y), {x}, [x](const Tensor& g) { x.accumulate_grad(mul(g, sigmoid(x.value()))); });
}

Var kl_div_pointwise(const Var& log_q, const Var& p) {
  if (log_q.shape() != p.shape())
    fail("kl_div: shapes differ: input (log q) ", to_string(log_q.shape()), " vs target (p) ", to_string(p.shape()));
  auto term = [](real lq, real pv) { return pv > 0 ? pv * (std::log(pv) - lq) : real(0); };
  return record("kl_div", zip(log_q.value(), p.value(), term, "kl_div"), {log_q, p}, [log_q, p](const Tensor& g) {
    if (log_q.requires_grad())
      log_q.accumulate_grad(zip(
          g, p.value(), [](real gv, real pv) { return pv > 0 ? -gv * pv : real(0); }, "kl_div"));
    if (p.requires_grad()) {
      Tensor dp = zip(
          log_q.value(), p.value(), [](real lq, real pv) { return pv > 0 ? std::log(pv) + 1 - lq : real(0); },
          "kl_div");
      p.accumulate_grad(mul(g, dp));
    }
  });
}

}  // namespace atn
