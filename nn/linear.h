// Linear: y = x Wᵀ + b, with PyTorch's layout (weight [out, in], bias [out]) and default init,
// so its state dict loads into torch.nn.Linear and back.
#pragma once
#include "nn/layer.h"
#include "tensor/rng.h"

namespace atn {

class Linear : public Layer {
 public:
  Linear(int64_t in_features, int64_t out_features, Rng& rng, bool bias = true);
  Var forward(const Var& x) override;  // x [..., in] → [..., out]
  std::string type_name() const override;

  int64_t in_features, out_features;
  Var weight, bias;  // bias is undefined when built without one
};

}  // namespace atn
