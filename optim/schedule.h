// Learning-rate schedules: objects that map a step number to a learning rate.
//
// Steps count updates from 1: lr(t) is the rate for the t-th call of step(). Before each
// update, `sched.apply(opt)` sets opt's lr to lr(opt.step_count() + 1) and returns it, which is
// the same as `opt.set_lr(sched.lr(opt.step_count() + 1))`. Step 0 is accepted and means
// "before any update" (Noam treats it as step 1, as the formula is undefined at 0).
#pragma once
#include <cstdint>

#include "optim/optimizer.h"

namespace atn {

struct Schedule {
  virtual ~Schedule() = default;
  virtual real lr(int64_t step) const = 0;
  // Sets the optimizer's lr for its next update and returns it.
  real apply(Optimizer& opt) const;
};

// The same rate at every step.
class ConstantSchedule : public Schedule {
 public:
  explicit ConstantSchedule(real lr);
  real lr(int64_t step) const override;

 private:
  real lr_;
};

// Linear warmup from 0 to base_lr over `warmup` steps, then a half cosine from base_lr down to
// min_lr at step `total`, and min_lr after it (the GPT-2/3 and nanoGPT recipe):
//   t ≤ warmup:          base_lr · t / warmup
//   warmup < t < total:  min_lr + (base_lr − min_lr) · ½ (1 + cos(π (t − warmup) / (total − warmup)))
//   t ≥ total:           min_lr
class WarmupCosine : public Schedule {
 public:
  WarmupCosine(real base_lr, int64_t warmup, int64_t total, real min_lr = 0);
  real lr(int64_t step) const override;

 private:
  real base_lr_, min_lr_;
  int64_t warmup_, total_;
};

// The schedule of "Attention Is All You Need" (Vaswani et al., 2017, §5.3):
//   lr(t) = factor · d_model^(−1/2) · min(t^(−1/2), t · warmup^(−3/2))
// It grows linearly for `warmup` steps, peaks at t = warmup with factor / √(d_model · warmup),
// then decays as 1/√t. With Adam(betas 0.9/0.98, eps 1e-9) it is the Annotated Transformer's
// NoamOpt (see optim/adam.h).
class Noam : public Schedule {
 public:
  Noam(int64_t d_model, int64_t warmup, real factor = 1);
  real lr(int64_t step) const override;

 private:
  int64_t d_model_, warmup_;
  real factor_;
};

}  // namespace atn
