#include "nn/norm.h"

#include <sstream>

#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "autograd/ops_norm.h"

namespace atn {

namespace {
void check_features(const char* layer, const Var& x, int64_t dim) {
  if (x.dim() < 1 || x.size(-1) != dim)
    fail(layer, ": input ", to_string(x.shape()), " is not [..., ", dim, "] (the last axis must hold the ", dim,
         " features)");
}
}  // namespace

LayerNorm::LayerNorm(int64_t dim_, LayerNormOptions options_) : dim(dim_), options(options_) {
  if (dim < 1) fail("LayerNorm: dim must be positive, got ", dim);
  if (!(options.eps >= 0)) fail("LayerNorm: eps must be non-negative, got ", options.eps);
  if (options.variant == LayerNormVariant::Course && dim < 2)
    fail("LayerNorm: the course variant divides by dim − 1 (unbiased σ), so it needs dim ≥ 2, got ", dim);
  if (options.affine) {
    register_parameter("weight", weight, Tensor::ones({dim}));
    register_parameter("bias", bias, Tensor::zeros({dim}));
  }
}

Var LayerNorm::forward(const Var& x) {
  check_features("LayerNorm", x, dim);
  if (options.variant == LayerNormVariant::Standard) return layer_norm(x, weight, bias, options.eps);

  // Course variant, step by step: μ, then the unbiased σ, then (x − μ) / (σ + ε).
  Var mu = mean(x, -1, /*keepdim=*/true);
  Var centred = x - mu;
  Var var_unbiased = sum(square(centred), -1, true) / real(dim - 1);
  Var y = centred / (sqrt(var_unbiased) + options.eps);
  return options.affine ? y * weight + bias : y;
}

std::string LayerNorm::type_name() const {
  std::ostringstream os;
  os << "LayerNorm(" << dim << ", eps=" << options.eps;
  if (!options.affine) os << ", affine=false";
  if (options.variant == LayerNormVariant::Course) os << ", variant=course";
  os << ")";
  return os.str();
}

RMSNorm::RMSNorm(int64_t dim_, real eps_) : dim(dim_), eps(eps_) {
  if (dim < 1) fail("RMSNorm: dim must be positive, got ", dim);
  if (!(eps >= 0)) fail("RMSNorm: eps must be non-negative, got ", eps);
  register_parameter("weight", weight, Tensor::ones({dim}));
}

Var RMSNorm::forward(const Var& x) {
  check_features("RMSNorm", x, dim);
  Var rms = sqrt(mean(square(x), -1, /*keepdim=*/true) + eps);  // one value per position
  return x / rms * weight;
}

std::string RMSNorm::type_name() const {
  std::ostringstream os;
  os << "RMSNorm(" << dim << ", eps=" << eps << ")";
  return os.str();
}

}  // namespace atn
