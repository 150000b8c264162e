// Adagrad (Duchi, Hazan & Singer, 2011), with PyTorch's semantics (torch.optim.Adagrad):
//   g ← ∇θ + λ·θ
//   G ← G + g²                  (elementwise; G starts at initial_accumulator_value)
//   θ ← θ − lr·g / (√G + ε)
// Each coordinate's step shrinks with the total squared gradient it has seen, so rare features
// keep large steps and frequent ones slow down; the steps never grow again.
#pragma once
#include "optim/optimizer.h"

namespace atn {

struct AdagradConfig {
  real lr = 1e-2f;
  real eps = 1e-10f;
  real weight_decay = 0;
  real initial_accumulator_value = 0;
};

class Adagrad : public Optimizer {
 public:
  explicit Adagrad(std::vector<Var> params, AdagradConfig cfg = {});
  void step() override;
  const AdagradConfig& config() const { return cfg_; }

 protected:
  std::vector<std::string> buffer_names(size_t) const override { return {"sum"}; }

 private:
  AdagradConfig cfg_;
};

}  // namespace atn
