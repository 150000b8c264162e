#include "nn/linear.h"

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "nn/init.h"

namespace atn {

Linear::Linear(int64_t in, int64_t out, Rng& rng, bool with_bias) : in_features(in), out_features(out) {
  if (in < 1 || out < 1) fail("Linear: sizes must be positive, got in=", in, " out=", out);
  Tensor w({out, in});
  Tensor b({out});
  init::linear_default(w, with_bias ? &b : nullptr, rng);
  register_parameter("weight", weight, w);
  if (with_bias) register_parameter("bias", bias, b);
}

Var Linear::forward(const Var& x) {
  if (x.dim() < 2 || x.size(-1) != in_features)
    fail("Linear: input ", to_string(x.shape()), " is not [..., in_features] with in_features=", in_features);
  if (x.dim() == 2) {
    Var y = matmul(x, weight, false, true);  // [rows, in]·Wᵀ
    return bias.defined() ? y + bias : y;
  }
  // [..., in] → [rows, in], one matmul, then back: cheaper than a batched matmul against a
  // broadcast weight, whose gradient would first be built per batch element and then summed.
  Shape out_shape = x.shape();
  out_shape.back() = out_features;
  Var y = matmul(reshape(x, {-1, in_features}), weight, false, true);
  if (bias.defined()) y = y + bias;
  return reshape(y, out_shape);
}

std::string Linear::type_name() const {
  return "Linear(" + std::to_string(in_features) + ", " + std::to_string(out_features) +
         (bias.defined() ? ")" : ", bias=false)");
}

}  // namespace atn
