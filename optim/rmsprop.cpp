#include "optim/rmsprop.h"

#include <algorithm>
#include <cmath>

namespace atn {

RMSprop::RMSprop(std::vector<Var> params, RMSpropConfig cfg)
    : Optimizer(std::move(params), cfg.lr, "RMSprop"), cfg_(cfg) {
  check_in_unit("alpha", cfg.alpha);
  check_at_least("eps", cfg.eps, 0);
  check_at_least("weight_decay", cfg.weight_decay, 0);
  check_at_least("momentum", cfg.momentum, 0);
}

std::vector<std::string> RMSprop::buffer_names(size_t) const {
  std::vector<std::string> names{"square_avg"};
  if (cfg_.momentum > 0) names.push_back("momentum_buffer");
  if (cfg_.centered) names.push_back("grad_avg");
  return names;
}

void RMSprop::step() {
  ++steps_;
  const real alpha = cfg_.alpha, eps = cfg_.eps, wd = cfg_.weight_decay, mu = cfg_.momentum;
  for (size_t i = 0; i < params_.size(); ++i) {
    Var& p = params_[i];
    if (!p.has_grad()) continue;
    ++param_steps_[i];
    real* theta = p.value().data();
    const real* grad = p.grad().data();
    real* sq = buffer(i, "square_avg").data();
    real* buf = mu > 0 ? buffer(i, "momentum_buffer").data() : nullptr;
    real* avg = cfg_.centered ? buffer(i, "grad_avg").data() : nullptr;
    for (int64_t k = 0, n = p.numel(); k < n; ++k) {
      const real g = grad[k] + wd * theta[k];
      sq[k] = alpha * sq[k] + (1 - alpha) * g * g;
      real r;
      if (avg) {
        avg[k] = alpha * avg[k] + (1 - alpha) * g;
        // s − a² ≥ 0 in exact arithmetic (Cauchy–Schwarz); rounding may dip below 0 when α = 0.
        r = std::sqrt(std::max(real(0), sq[k] - avg[k] * avg[k])) + eps;
      } else {
        r = std::sqrt(sq[k]) + eps;
      }
      if (buf) {
        buf[k] = mu * buf[k] + g / r;
        theta[k] -= lr_ * buf[k];
      } else {
        theta[k] -= lr_ * g / r;
      }
    }
  }
}

}  // namespace atn
