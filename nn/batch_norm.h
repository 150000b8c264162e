// Batch normalization (Ioffe & Szegedy 2015) for [N, C] or [N, C, L] inputs, as
// torch.nn.BatchNorm1d: each feature (channel) c is normalized with statistics over the batch
// (and over the length L), not over the features of one example as LayerNorm does.
#pragma once
#include "nn/layer.h"

namespace atn {

struct BatchNormOptions {
  real eps = 1e-5f;
  // running = (1 − momentum)·running + momentum·batch statistic (PyTorch's convention; Keras
  // calls 1 − momentum the momentum). PyTorch's momentum=None (a cumulative mean) is not offered.
  real momentum = 0.1f;
  bool affine = true;  // learn weight (γ, ones) and bias (β, zeros)
};

// Training (training() is true):  μ, σ² = mean and BIASED variance of each channel over the
//   n = N·L values in the batch; y = (x − μ)/√(σ² + ε)·γ + β, differentiated through μ and σ²
//   (they depend on the whole batch). The running statistics are then updated, without
//   gradients, with the UNBIASED variance σ²·n/(n − 1), as PyTorch does; n must be ≥ 2.
// Evaluation (after eval()):  y = (x − running_mean)/√(running_var + ε)·γ + β, so an example's
//   output no longer depends on the rest of its batch.
// Parameters "weight", "bias" [C]; buffers "running_mean" [C] (zeros), "running_var" [C] (ones)
// and "num_batches_tracked" (PyTorch keeps an int64 scalar; here a float [] tensor, exact up
// to 2^24 batches), so the state dict maps 1:1 to torch.nn.BatchNorm1d's.
class BatchNorm1d : public Layer {
 public:
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {});
  Var forward(const Var& x) override;  // x [N, C] or [N, C, L]
  std::string type_name() const override;

  int64_t num_features;
  BatchNormOptions options;
  Var weight, bias;  // undefined when !options.affine
  Tensor running_mean, running_var, num_batches_tracked;
};

}  // namespace atn
