// The Nadaraya–Watson toy regression of lesson 01: noisy samples of y = 2 sin x + x.
//
// As in Dive into Deep Learning §11.2 (attention pooling), whose function is 2 sin x + x^0.8;
// the course uses 2 sin x + x. Training inputs are n_train points drawn uniformly from
// [0, x_max) and sorted (so the attention-weight matrix shows a band along its diagonal), with
// targets f(x) + N(0, noise_std²). Test inputs are n_test evenly spaced points
// 0, x_max/n_test, ... (d2l: arange(0, 5, 0.1)) with the noiseless f(x) as targets, so a
// prediction can be drawn against the true curve.
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace atn {

struct RegressionToyConfig {
  int64_t n_train = 40;
  int64_t n_test = 50;
  real x_max = 5;
  real noise_std = 0.5f;
  uint64_t seed = 1;
};

// All four are 1-D tensors: x_train, y_train [n_train], x_test, y_test [n_test].
struct RegressionToy {
  Tensor x_train, y_train, x_test, y_test;
};

real regression_toy_function(real x);  // 2 sin x + x
RegressionToy regression_toy(const RegressionToyConfig& cfg = {});

}  // namespace atn
