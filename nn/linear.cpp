#include "nn/linear.h"

#include "autograd/ops_linear.h"
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
  // One op, one tape entry: [..., in] is treated as [rows, in] (one matmul, cheaper than a
  // batched one against a broadcast weight), the bias added inside the gemm. linear_composed
  // (autograd/ops_linear.h) spells the same thing out with reshape, matmul and add.
  return linear(x, weight, bias);
}

std::string Linear::type_name() const {
  return "Linear(" + std::to_string(in_features) + ", " + std::to_string(out_features) +
         (bias.defined() ? ")" : ", bias=false)");
}

}  // namespace atn
