// Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), with PyTorch's semantics.
//
// For each parameter, with t = the number of updates it has received (counting this one):
//   g ← ∇θ (+ λ·θ for Adam's weight decay: an L2 term in the loss)
//   m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²       (moments, both start at 0)
//   m̂ = m / (1 − β₁ᵗ),       v̂ = v / (1 − β₂ᵗ)            (bias correction: undoes the start at 0)
//   AdamW only: θ ← θ − lr·λ·θ                            (decoupled decay, before the update)
//   θ ← θ − lr · m̂ / (√v̂ + ε)
// Why decoupled: with Adam's L2 the decay term is divided by √v̂ like the gradient, so weights
// with large gradients are barely decayed; AdamW shrinks every weight by the same factor.
//
// The course's NoamOptimizer (The Annotated Transformer) is Adam with betas 0.9/0.98 and
// eps 1e-9 whose lr is set before every step by the Noam schedule (optim/schedule.h):
//   Adam opt(model.parameters(), {.lr = 0, .betas = {0.9f, 0.98f}, .eps = 1e-9f});
//   Noam noam(d_model, 4000, 1.0f);  ...  noam.apply(opt); opt.step();
#pragma once
#include "optim/optimizer.h"

namespace atn {

struct Betas {
  real beta1 = 0.9f;
  real beta2 = 0.999f;
};

struct AdamConfig {
  real lr = 1e-3f;
  Betas betas = {};
  real eps = 1e-8f;
  real weight_decay = 0;  // L2: added to the gradient
};

// The same fields with AdamW's default decay (PyTorch's 0.01).
struct AdamWConfig {
  real lr = 1e-3f;
  Betas betas = {};
  real eps = 1e-8f;
  real weight_decay = 0.01f;  // decoupled: θ ← θ − lr·λ·θ
};

class Adam : public Optimizer {
 public:
  explicit Adam(std::vector<Var> params, AdamConfig cfg = {});
  void step() override;
  const AdamConfig& config() const { return cfg_; }
  bool decoupled_weight_decay() const { return decoupled_; }

 protected:
  Adam(std::vector<Var> params, AdamConfig cfg, bool decoupled, std::string name);
  std::vector<std::string> buffer_names(size_t) const override { return {"exp_avg", "exp_avg_sq"}; }
  // One update of parameter i, which must have a gradient. The gradient is multiplied by
  // grad_gain before it enters the moments, and the normalized step m̂/(√v̂+ε) by update_gain
  // before it is applied; both are 1 for plain Adam (the attention-informed optimizer uses them).
  void update_param(size_t i, real grad_gain = 1, real update_gain = 1);

 private:
  AdamConfig cfg_;
  bool decoupled_;
};

class AdamW : public Adam {
 public:
  explicit AdamW(std::vector<Var> params, AdamWConfig cfg = {});

 protected:
  AdamW(std::vector<Var> params, AdamWConfig cfg, std::string name);
};

}  // namespace atn
