#include "nn/batch_norm.h"

#include <cmath>
#include <sstream>

#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "autograd/ops_shape.h"
#include "tensor/elementwise.h"

namespace atn {

BatchNorm1d::BatchNorm1d(int64_t features, BatchNormOptions options_)
    : num_features(features),
      options(options_),
      running_mean(Tensor::zeros({features > 0 ? features : 0})),
      running_var(Tensor::ones({features > 0 ? features : 0})),
      num_batches_tracked(Tensor::scalar(0)) {
  if (features < 1) fail("BatchNorm1d: num_features must be positive, got ", features);
  if (!(options.eps >= 0)) fail("BatchNorm1d: eps must be non-negative, got ", options.eps);
  if (!(options.momentum >= 0 && options.momentum <= 1))
    fail("BatchNorm1d: momentum must be in [0, 1], got ", options.momentum);
  if (options.affine) {
    register_parameter("weight", weight, Tensor::ones({features}));
    register_parameter("bias", bias, Tensor::zeros({features}));
  }
  register_buffer("running_mean", running_mean);
  register_buffer("running_var", running_var);
  register_buffer("num_batches_tracked", num_batches_tracked);
}

Var BatchNorm1d::forward(const Var& x) {
  const int64_t C = num_features;
  if ((x.dim() != 2 && x.dim() != 3) || x.size(1) != C)
    fail("BatchNorm1d: input ", to_string(x.shape()), " is not [N, ", C, "] or [N, ", C, ", L]");
  const bool has_length = x.dim() == 3;
  // Per-channel tensors broadcast against x as [C] for [N, C] and as [C, 1] for [N, C, L].
  const Shape channel_shape = has_length ? Shape{C, 1} : Shape{C};
  // Mean over every axis but the channel axis 1, kept as size 1: [1, C] or [1, C, 1].
  auto batch_mean = [has_length](const Var& v) {
    Var m = mean(v, 0, /*keepdim=*/true);
    return has_length ? mean(m, 2, true) : m;
  };

  Var y;
  if (training()) {
    const int64_t n = x.size(0) * (has_length ? x.size(2) : 1);  // values per channel
    if (n < 2)
      fail("BatchNorm1d: training needs more than one value per channel to estimate a variance, got input ",
           to_string(x.shape()));
    Var mu = batch_mean(x);
    Var centred = x - mu;
    Var var = batch_mean(square(centred));  // biased: divides by n
    y = centred / sqrt(var + options.eps);

    // Running statistics: plain tensor arithmetic on buffers, nothing to differentiate.
    const real m = options.momentum;
    const real unbias = real(n) / real(n - 1);
    const Tensor& batch_mu = mu.value();  // C values, in channel order
    const Tensor& batch_var = var.value();
    for (int64_t c = 0; c < C; ++c) {
      running_mean[c] = (1 - m) * running_mean[c] + m * batch_mu[c];
      running_var[c] = (1 - m) * running_var[c] + m * batch_var[c] * unbias;
    }
    num_batches_tracked[0] += 1;
  } else {
    Var mu = constant(running_mean.reshape(channel_shape));
    const real eps = options.eps;
    Var inv_std = constant(map(running_var, [eps](real v) { return 1 / std::sqrt(v + eps); }).reshape(channel_shape));
    y = (x - mu) * inv_std;
  }
  if (!options.affine) return y;
  return y * reshape(weight, channel_shape) + reshape(bias, channel_shape);
}

std::string BatchNorm1d::type_name() const {
  std::ostringstream os;
  os << "BatchNorm1d(" << num_features << ", eps=" << options.eps << ", momentum=" << options.momentum;
  if (!options.affine) os << ", affine=false";
  os << ")";
  return os.str();
}

}  // namespace atn
