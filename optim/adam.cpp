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

namespace {

// The scalars of one parameter's update.
struct AdamScalars {
  real b1, b2, correction1, correction2, eps, wd, lr, grad_gain, update_gain;
};

// a·b + c. With FMA (-march=native on a current x86), one rounding: what GCC's contraction made of
// the loop below before it was vectorized, so Adam's bits did not change; elsewhere two, as
// then. Written out because whether GCC contracts on its own depends on how it compiles the
// loop (-O2 or -O3, vector body or scalar tail), and the vector and scalar code must agree.
inline real mul_add(real a, real b, real c) {
#ifdef __FMA__
  return std::fma(a, b, c);
#else
  return a * b + c;
#endif
}

// Elements [begin, end) of one update: a plain loop over __restrict pointers, with `decoupled` a
// template argument rather than a branch, so that it vectorizes (the Makefile's -fno-math-errno
// lets sqrt be a vector instruction; the dynamic cost model lets GCC vectorize it at -O2 too,
// where its default accepts no loop that needs a scalar tail). Every operation is correctly
// rounded (sqrt and division included) and, with contraction off here, exactly the ones
// written, so vector and scalar code agree bit for bit for any chunking and thread count.
#if defined(__clang__)
#define ATN_ADAM_LOOP_OPTIONS
#else
#define ATN_ADAM_LOOP_OPTIONS __attribute__((optimize("fp-contract=off", "vect-cost-model=dynamic")))
#endif
template <bool decoupled>
ATN_ADAM_LOOP_OPTIONS void adam_update_range(real* __restrict theta, const real* __restrict grad, real* __restrict m,
                                             real* __restrict v, int64_t begin, int64_t end, const AdamScalars s) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  const real lr_wd = s.lr * s.wd, step_gain = s.lr * s.update_gain;
  for (int64_t k = begin; k < end; ++k) {
    real g = s.grad_gain * grad[k];
    if (!decoupled) g = mul_add(s.wd, theta[k], g);  // L2: + λθ
    const real mk = mul_add(s.b1, m[k], (1 - s.b1) * g);
    const real vk = mul_add(s.b2, v[k], (1 - s.b2) * g * g);
    m[k] = mk;
    v[k] = vk;
    const real m_hat = mk / s.correction1;
    const real v_hat = vk / s.correction2;
    real t = theta[k];
    if (decoupled) t = mul_add(-lr_wd, t, t);  // θ − lr·λ·θ
    theta[k] = t - step_gain * m_hat / (std::sqrt(v_hat) + s.eps);
  }
}
#undef ATN_ADAM_LOOP_OPTIONS

}  // namespace

void Adam::update_param(size_t i, real grad_gain, real update_gain) {
  Var& p = params_[i];
  const int64_t t = ++param_steps_[i];
  AdamScalars s{};
  s.b1 = cfg_.betas.beta1;
  s.b2 = cfg_.betas.beta2;
  // 1 − βᵗ in double: for β₂ = 0.999 and small t it is a small number we do not want to round twice.
  s.correction1 = real(1 - std::pow(double(s.b1), double(t)));
  s.correction2 = real(1 - std::pow(double(s.b2), double(t)));
  s.eps = cfg_.eps;
  s.wd = cfg_.weight_decay;
  s.lr = lr_;
  s.grad_gain = grad_gain;
  s.update_gain = update_gain;
  real* theta = p.value().data();
  const real* grad = p.grad().data();
  real* m = buffer(i, "exp_avg").data();
  real* v = buffer(i, "exp_avg_sq").data();
  const bool decoupled = decoupled_;
  // Each element is updated on its own, so chunks over the thread pool give the same bits.
  parallel_for(p.numel(), [&](int64_t begin, int64_t end) {
    if (decoupled) adam_update_range<true>(theta, grad, m, v, begin, end, s);
    else adam_update_range<false>(theta, grad, m, v, begin, end, s);
  }, int64_t(1) << 15);
}

AdamW::AdamW(std::vector<Var> params, AdamWConfig cfg) : AdamW(std::move(params), cfg, "AdamW") {}

AdamW::AdamW(std::vector<Var> params, AdamWConfig cfg, std::string name)
    : Adam(std::move(params), {.lr = cfg.lr, .betas = cfg.betas, .eps = cfg.eps, .weight_decay = cfg.weight_decay},
           true, std::move(name)) {}

}  // namespace atn
