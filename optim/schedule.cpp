#include "optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace atn {

namespace {

void check_step(const char* who, int64_t step) {
  if (step < 0) fail(who, ": step must be >= 0, got ", step);
}

}  // namespace

real Schedule::apply(Optimizer& opt) const {
  const real rate = lr(opt.step_count() + 1);
  opt.set_lr(rate);
  return rate;
}

ConstantSchedule::ConstantSchedule(real lr) : lr_(lr) {
  if (!(lr >= 0) || std::isinf(lr)) fail("ConstantSchedule: lr must be finite and >= 0, got ", lr);
}

real ConstantSchedule::lr(int64_t step) const {
  check_step("ConstantSchedule", step);
  return lr_;
}

WarmupCosine::WarmupCosine(real base_lr, int64_t warmup, int64_t total, real min_lr)
    : base_lr_(base_lr), min_lr_(min_lr), warmup_(warmup), total_(total) {
  if (!(base_lr >= 0) || std::isinf(base_lr)) fail("WarmupCosine: base_lr must be finite and >= 0, got ", base_lr);
  if (!(min_lr >= 0 && min_lr <= base_lr))
    fail("WarmupCosine: min_lr must be in [0, base_lr = ", base_lr, "], got ", min_lr);
  if (warmup < 0) fail("WarmupCosine: warmup must be >= 0, got ", warmup);
  if (total < warmup) fail("WarmupCosine: total (", total, ") must be >= warmup (", warmup, ")");
}

real WarmupCosine::lr(int64_t step) const {
  check_step("WarmupCosine", step);
  if (step <= warmup_ && warmup_ > 0) return real(double(base_lr_) * double(step) / double(warmup_));
  if (step >= total_) return min_lr_;
  const double progress = double(step - warmup_) / double(total_ - warmup_);  // in (0, 1)
  const double cosine = 0.5 * (1 + std::cos(std::numbers::pi * progress));    // from 1 down to 0
  return real(min_lr_ + (double(base_lr_) - min_lr_) * cosine);
}

Noam::Noam(int64_t d_model, int64_t warmup, real factor) : d_model_(d_model), warmup_(warmup), factor_(factor) {
  if (d_model <= 0) fail("Noam: d_model must be > 0, got ", d_model);
  if (warmup <= 0) fail("Noam: warmup must be > 0, got ", warmup);
  if (!(factor > 0) || std::isinf(factor)) fail("Noam: factor must be finite and > 0, got ", factor);
}

real Noam::lr(int64_t step) const {
  check_step("Noam", step);
  const double t = double(std::max<int64_t>(step, 1));  // the formula has t^(−1/2): step 0 counts as 1
  const double w = double(warmup_);
  return real(factor_ / std::sqrt(double(d_model_)) * std::min(1 / std::sqrt(t), t / (w * std::sqrt(w))));
}

}  // namespace atn
