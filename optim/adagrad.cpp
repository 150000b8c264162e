#include "optim/adagrad.h"

#include <cmath>

namespace atn {

Adagrad::Adagrad(std::vector<Var> params, AdagradConfig cfg)
    : Optimizer(std::move(params), cfg.lr, "Adagrad"), cfg_(cfg) {
  check_at_least("eps", cfg.eps, 0);
  check_at_least("weight_decay", cfg.weight_decay, 0);
  check_at_least("initial_accumulator_value", cfg.initial_accumulator_value, 0);
}

void Adagrad::step() {
  ++steps_;
  const real eps = cfg_.eps, wd = cfg_.weight_decay;
  for (size_t i = 0; i < params_.size(); ++i) {
    Var& p = params_[i];
    if (!p.has_grad()) continue;
    ++param_steps_[i];
    real* theta = p.value().data();
    const real* grad = p.grad().data();
    real* sum = buffer(i, "sum", cfg_.initial_accumulator_value).data();
    for (int64_t k = 0, n = p.numel(); k < n; ++k) {
      const real g = grad[k] + wd * theta[k];
      sum[k] += g * g;
      theta[k] -= lr_ * g / (std::sqrt(sum[k]) + eps);
    }
  }
}

}  // namespace atn
