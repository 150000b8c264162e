// Normalization over the features (last axis) of each position: LayerNorm and RMSNorm.
// BatchNorm, which normalizes each feature over the batch instead, is in nn/batch_norm.h.
#pragma once
#include "nn/layer.h"

namespace atn {

enum class LayerNormVariant {
  // PyTorch's nn.LayerNorm (Ba, Kiros & Hinton 2016): (x − μ) / √(σ²_biased + ε), the fused
  // layer_norm op of autograd/ops_norm.h.
  Standard,
  // The course notebook's (and the Annotated Transformer's) LayerNorm: (x − μ) / (σ + ε) with
  // σ the UNBIASED standard deviation (divide by C − 1, as torch.std) and ε added to σ, not
  // inside the root. Built from elementary ops so students can read every step. It differs
  // from Standard by the factor √(C / (C − 1)) in σ (and by where ε sits), so outputs are
  // √((C − 1)/C) times Standard's when ε = 0. Needs C ≥ 2; a constant row has σ = 0, where the
  // gradient of √ is infinite, as with torch.std. (The Annotated Transformer uses ε = 1e-6.)
  Course,
};

struct LayerNormOptions {
  real eps = 1e-5f;
  bool affine = true;  // learn weight (γ) and bias (β); PyTorch's elementwise_affine
  LayerNormVariant variant = LayerNormVariant::Standard;
};

// y = γ ⊙ x̂ + β over the last axis of x [..., dim]. Parameters "weight" [dim] (ones) and
// "bias" [dim] (zeros), as torch.nn.LayerNorm.
class LayerNorm : public Layer {
 public:
  explicit LayerNorm(int64_t dim, LayerNormOptions options = {});
  Var forward(const Var& x) override;
  std::string type_name() const override;

  int64_t dim;
  LayerNormOptions options;
  Var weight, bias;  // undefined when !options.affine
};

// Root-mean-square normalization (Zhang & Sennrich 2019), as in T5 and LLaMA:
//   y = x / √(mean(x²) + ε) ⊙ weight,
// no centring and no bias; ε is inside the root (as LLaMA and torch.nn.RMSNorm). The mean is
// over the last axis. Parameter "weight" [dim] (ones). Default ε = 1e-6 (LLaMA's; PyTorch's
// default is the float epsilon, 1.19e-7).
class RMSNorm : public Layer {
 public:
  explicit RMSNorm(int64_t dim, real eps = 1e-6f);
  Var forward(const Var& x) override;
  std::string type_name() const override;

  int64_t dim;
  real eps;
  Var weight;
};

}  // namespace atn
