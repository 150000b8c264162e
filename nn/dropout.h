// Dropout as a layer: the dropout op of autograd/ops_dropout.h, switched by train()/eval().
#pragma once
#include "nn/layer.h"
#include "tensor/rng.h"

namespace atn {

// In training each element is zeroed with probability p and the rest scaled by 1/(1 − p)
// (inverted dropout, as torch.nn.Dropout); after eval() it returns its input unchanged. The
// masks are drawn from `rng`, which is kept by reference: it must outlive the layer, and
// sharing one Rng across layers makes a whole run reproducible from one seed. No parameters.
class Dropout : public Layer {
 public:
  Dropout(real p, Rng& rng);
  Var forward(const Var& x) override;
  std::string type_name() const override;

  real p;

 private:
  Rng& rng_;
};

}  // namespace atn
