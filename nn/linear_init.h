// Initializing whole Linear layers (weight and bias together), the building block of the models'
// init schemes (GPT-2's, the Dual Attention Transformer's): a weight N(0, std) and a zero bias,
// with a smaller std for the projections that write into the residual stream.
#pragma once
#include <initializer_list>

#include "nn/linear.h"

namespace atn {

// weight N(0, std), bias (when there is one) 0.
void init_normal_linear(Linear& linear, Rng& rng, real std);

// init_normal_linear on each of `linears` in the order given (the order fixes what each draws from
// rng): N(0, residual_std) for those also listed in `residual`, N(0, std) for the others.
// Every Linear of `residual` must be one of `linears`.
void init_normal_linears(std::initializer_list<Linear*> linears, std::initializer_list<const Linear*> residual,
                         Rng& rng, real std, real residual_std);

// GPT-2's std for the residual projections (Radford et al. 2019, §2.3; nanoGPT's c_proj init):
// 0.02/√(2·n_layers), so that the n_layers blocks, each adding twice to the residual stream, do
// not make its variance grow with depth.
real gpt2_residual_std(int64_t n_layers);

}  // namespace atn
