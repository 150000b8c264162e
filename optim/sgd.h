// SGD: stochastic gradient descent with optional momentum, dampening, Nesterov momentum and
// L2 weight decay, with PyTorch's semantics (torch.optim.SGD):
//   g ← ∇θ + λ·θ                                 (weight decay as an L2 term in the gradient)
//   b ← g at the first update, then b ← μ·b + (1 − τ)·g     (μ momentum, τ dampening)
//   d ← g + μ·b with Nesterov, d ← b with plain momentum, d ← g without momentum
//   θ ← θ − lr·d
// Note: PyTorch's momentum is the "velocity" form above (lr multiplies the buffer, it is not
// inside it), so changing lr mid-run does not rescale the stored momentum.
#pragma once
#include "optim/optimizer.h"

namespace atn {

struct SGDConfig {
  real lr = 1e-3f;
  real momentum = 0;
  real dampening = 0;
  real weight_decay = 0;
  bool nesterov = false;  // needs momentum > 0 and dampening 0
};

class SGD : public Optimizer {
 public:
  explicit SGD(std::vector<Var> params, SGDConfig cfg = {});
  void step() override;
  const SGDConfig& config() const { return cfg_; }

 protected:
  std::vector<std::string> buffer_names(size_t) const override;

 private:
  SGDConfig cfg_;
};

}  // namespace atn
