// Activation kernels that tensor/elementwise.h does not have, and the derivative kernels the
// autograd ops need. No gradients are recorded here; autograd/ops_math.cpp builds on these.
//
// Each *_backward(x, grad_out) returns grad_out ⊙ f'(x): the chain rule for an elementwise f,
// fused into one pass. x and grad_out must have the same shape.
#pragma once
#include "tensor/tensor.h"

namespace atn {

// max(x, 0) for x > 0, slope·x otherwise: negative inputs keep a small gradient.
Tensor leaky_relu(const Tensor& x, real slope = 0.01f);
// GELU, exact form x·Φ(x) with Φ the standard normal CDF (Hendrycks & Gimpel, 2016). Φ comes
// from the vectorizable erf of tensor/fast_math.h; gelu_reference is the same formula with
// std::erf, one element at a time (the tests check that the two agree).
Tensor gelu(const Tensor& x);
Tensor gelu_reference(const Tensor& x);
// GELU's tanh approximation used by GPT-2 and BERT: 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))).
Tensor gelu_tanh(const Tensor& x);
// SiLU (also called swish): x·σ(x).
Tensor silu(const Tensor& x);

Tensor relu_backward(const Tensor& x, const Tensor& grad_out);
Tensor leaky_relu_backward(const Tensor& x, const Tensor& grad_out, real slope = 0.01f);
Tensor gelu_backward(const Tensor& x, const Tensor& grad_out);
// The pair a training step uses: the forward also keeps Φ(x) in *cdf, and the backward reads it
// back instead of computing erf again, so it needs one exponential per element (for φ) instead
// of erf and an exponential. y has the same bits as gelu(x); the gradient agrees with
// gelu_backward to the last bit or two (the compiler may fuse its multiply-adds differently
// when Φ is computed in the same expression).
Tensor gelu_keeping_cdf(const Tensor& x, Tensor* cdf);
Tensor gelu_backward_from_cdf(const Tensor& x, const Tensor& cdf, const Tensor& grad_out);
Tensor gelu_backward_reference(const Tensor& x, const Tensor& grad_out);
Tensor gelu_tanh_backward(const Tensor& x, const Tensor& grad_out);
Tensor silu_backward(const Tensor& x, const Tensor& grad_out);

}  // namespace atn
