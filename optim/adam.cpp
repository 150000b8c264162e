#include "optim/adam.h"

#include <cmath>

#include "tensor/thread_pool.h"

namespace atn {

Adam::Adam(std::vector<Var> params, AdamConfig cfg) : Adam(std::move(params), cfg, false, "Adam") {}

Adam::Adam(std::vector<Var> params, AdamConfig cfg, bool decoupled, std::string name)
    : Optimizer(std::move(params), cfg.lr, std::move(name)), cfg_(cfg), decoupled_(decoupled) {
  check_in_unit("beta1", cfg.betas.beta1);
  check_in_unit("beta2", cfg.betas.beta2);
  check_at_least("eps", cfg.eps, 0);
  check_at_least("weight_decay", cfg.weight_decay, 0);
}

void Adam::step() {
  ++steps_;
  for (size_t i = 0; i < params_.size(); ++i)
    if (params_[i].has_grad()) update_param(i);
}

void Adam::update_param(size_t i, real grad_gain, real update_gain) {
  Var& p = params_[i];
  const int64_t t = ++param_steps_[i];
  const real b1 = cfg_.betas.beta1, b2 = cfg_.betas.beta2, eps = cfg_.eps, wd = cfg_.weight_decay;
  // 1 − βᵗ in double: for β₂ = 0.999 and small t it is a small number we do not want to round twice.
  const real correction1 = real(1 - std::pow(double(b1), double(t)));
  const real correction2 = real(1 - std::pow(double(b2), double(t)));
  real* theta = p.value().data();
  const real* grad = p.grad().data();
  real* m = buffer(i, "exp_avg").data();
  real* v = buffer(i, "exp_avg_sq").data();
  const real lr = lr_;
  const bool decoupled = decoupled_;
  // Each element is updated on its own, so chunks over the thread pool give the same bits.
  auto update = [=](int64_t k) {
    real g = grad_gain * grad[k];
    if (!decoupled) g += wd * theta[k];
    m[k] = b1 * m[k] + (1 - b1) * g;
    v[k] = b2 * v[k] + (1 - b2) * g * g;
    const real m_hat = m[k] / correction1;
    const real v_hat = v[k] / correction2;
    if (decoupled) theta[k] -= lr * wd * theta[k];
    theta[k] -= lr * update_gain * m_hat / (std::sqrt(v_hat) + eps);
  };
  parallel_for(p.numel(), [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) update(k);
  }, int64_t(1) << 15);
}

AdamW::AdamW(std::vector<Var> params, AdamWConfig cfg) : AdamW(std::move(params), cfg, "AdamW") {}

AdamW::AdamW(std::vector<Var> params, AdamWConfig cfg, std::string name)
    : Adam(std::move(params), {.lr = cfg.lr, .betas = cfg.betas, .eps = cfg.eps, .weight_decay = cfg.weight_decay},
           true, std::move(name)) {}

}  // namespace atn
