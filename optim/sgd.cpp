#include "optim/sgd.h"

namespace atn {

SGD::SGD(std::vector<Var> params, SGDConfig cfg) : Optimizer(std::move(params), cfg.lr, "SGD"), cfg_(cfg) {
  check_at_least("momentum", cfg.momentum, 0);
  check_at_least("dampening", cfg.dampening, 0);
  check_at_least("weight_decay", cfg.weight_decay, 0);
  if (cfg.nesterov && (cfg.momentum <= 0 || cfg.dampening != 0))
    fail("SGD: nesterov needs momentum > 0 and dampening 0, got momentum ", cfg.momentum, ", dampening ",
         cfg.dampening);
}

std::vector<std::string> SGD::buffer_names(size_t) const {
  if (cfg_.momentum > 0) return {"momentum_buffer"};
  return {};
}

void SGD::step() {
  ++steps_;
  const real mu = cfg_.momentum, tau = cfg_.dampening, wd = cfg_.weight_decay;
  for (size_t i = 0; i < params_.size(); ++i) {
    Var& p = params_[i];
    if (!p.has_grad()) continue;
    const bool first = ++param_steps_[i] == 1;
    real* theta = p.value().data();
    const real* grad = p.grad().data();
    real* buf = mu > 0 ? buffer(i, "momentum_buffer").data() : nullptr;
    for (int64_t k = 0, n = p.numel(); k < n; ++k) {
      real g = grad[k] + wd * theta[k];
      if (buf) {
        // The first update starts the buffer at g itself (no dampening), as PyTorch does.
        buf[k] = first ? g : mu * buf[k] + (1 - tau) * g;
        g = cfg_.nesterov ? g + mu * buf[k] : buf[k];
      }
      theta[k] -= lr_ * g;
    }
  }
}

}  // namespace atn
