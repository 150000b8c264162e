// The position-wise feed-forward block of a Transformer (Vaswani et al. 2017, §3.3): the same
// two-layer MLP applied to every position, d_model → d_ff → d_model.
#pragma once
#include <memory>

#include "nn/dropout.h"
#include "nn/linear.h"

namespace atn {

enum class FeedForwardActivation {
  Relu,      // the original Transformer
  Gelu,      // exact x·Φ(x) (BERT in PyTorch, ViT)
  GeluTanh,  // tanh approximation (GPT-2)
  SwiGLU,    // gated: silu(x W1ᵀ) ⊙ (x W3ᵀ), then W2 (Shazeer 2020, "GLU Variants"; LLaMA)
};

struct FeedForwardOptions {
  FeedForwardActivation activation = FeedForwardActivation::Relu;
  bool bias = true;  // LLaMA's SwiGLU block uses none
  real dropout = 0;  // applied after the activation, as the Annotated Transformer and timm's Mlp
};

// Relu / Gelu / GeluTanh:  y = fc2(dropout(act(fc1(x)))), fc1 = Linear(d_model, d_ff),
//   fc2 = Linear(d_ff, d_model). Names "fc1.weight", "fc1.bias", "fc2.*", as timm's Mlp (the
//   ViT block) and many Hugging Face models; torch.nn.TransformerEncoderLayer calls the same
//   two "linear1"/"linear2" and keeps them in the layer itself, so rename when loading there.
// SwiGLU:  y = w2(dropout(silu(w1(x)) ⊙ w3(x))), w1, w3 = Linear(d_model, d_ff),
//   w2 = Linear(d_ff, d_model), named "w1", "w2", "w3" as in LLaMA's FeedForward. It has a third
//   matrix; to keep the parameter count of a ReLU block, LLaMA picks d_ff ≈ (2/3)·4·d_model.
// All Linear layers use PyTorch's default init. x [..., d_model] → [..., d_model].
// rng initializes the weights and, if options.dropout > 0, draws the dropout masks at each
// forward in training: it is kept by reference and must then outlive this block.
class FeedForward : public Layer {
 public:
  FeedForward(int64_t d_model, int64_t d_ff, Rng& rng, FeedForwardOptions options = {});
  Var forward(const Var& x) override;
  std::string type_name() const override;

  int64_t d_model, d_ff;
  FeedForwardOptions options;
  std::unique_ptr<Linear> fc1, fc2;    // Relu, Gelu, GeluTanh
  std::unique_ptr<Linear> w1, w2, w3;  // SwiGLU
  Dropout dropout;                     // no parameters; follows train()/eval()
};

}  // namespace atn
