// Initializers: each fills a tensor in place from an Rng. Fan-in/fan-out follow PyTorch: for a
// weight [out, in, ...] fan_in = in·receptive, fan_out = out·receptive.
#pragma once
#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace atn::init {

struct Fans {
  int64_t in, out;
};
Fans fans(const Shape& shape);  // needs at least 2 dimensions

void zeros(Tensor& t);
void ones(Tensor& t);
void constant(Tensor& t, real value);
void normal(Tensor& t, Rng& rng, real mean = 0, real std = 1);
void uniform(Tensor& t, Rng& rng, real low, real high);
// Glorot & Bengio (2010): variance 2/(fan_in + fan_out), times gain².
void xavier_uniform(Tensor& t, Rng& rng, real gain = 1);
void xavier_normal(Tensor& t, Rng& rng, real gain = 1);
// He et al. (2015), fan_in mode, for ReLU: variance 2/fan_in.
void kaiming_uniform(Tensor& t, Rng& rng, real negative_slope = 0);
void kaiming_normal(Tensor& t, Rng& rng, real negative_slope = 0);
// torch.nn.Linear's default: weight and bias both U(−1/√fan_in, 1/√fan_in)
// (kaiming_uniform with a = √5 gives exactly this bound for the weight).
void linear_default(Tensor& weight, Tensor* bias, Rng& rng);
// GPT-2 (Radford et al. 2019): N(0, 0.02); residual output projections N(0, 0.02/√(2·layers)).
void gpt2(Tensor& t, Rng& rng);
void gpt2_residual(Tensor& t, Rng& rng, int64_t n_layers);

}  // namespace atn::init
