// RMSprop (Hinton's lecture 6e, 2012), with PyTorch's semantics (torch.optim.RMSprop):
//   g ← ∇θ + λ·θ
//   s ← α·s + (1 − α)·g²                          (running mean of squared gradients)
//   centered: a ← α·a + (1 − α)·g, r ← √(s − a²) + ε   (divide by a running std instead)
//   otherwise: r ← √s + ε
//   with momentum μ > 0: b ← μ·b + g/r, θ ← θ − lr·b;  without: θ ← θ − lr·g/r
// Unlike Adagrad the average forgets, so the step size can recover; unlike Adam there is no
// first moment and no bias correction (the first steps are large: s starts at 0).
#pragma once
#include "optim/optimizer.h"

namespace atn {

struct RMSpropConfig {
  real lr = 1e-2f;
  real alpha = 0.99f;
  real eps = 1e-8f;
  real weight_decay = 0;
  real momentum = 0;
  bool centered = false;
};

class RMSprop : public Optimizer {
 public:
  explicit RMSprop(std::vector<Var> params, RMSpropConfig cfg = {});
  void step() override;
  const RMSpropConfig& config() const { return cfg_; }

 protected:
  std::vector<std::string> buffer_names(size_t) const override;

 private:
  RMSpropConfig cfg_;
};

}  // namespace atn
