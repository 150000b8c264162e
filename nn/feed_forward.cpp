#include "nn/feed_forward.h"

#include <sstream>

#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"

namespace atn {

FeedForward::FeedForward(int64_t d_model_, int64_t d_ff_, Rng& rng, FeedForwardOptions options_)
    : d_model(d_model_), d_ff(d_ff_), options(options_), dropout(options_.dropout, rng) {
  if (d_model < 1 || d_ff < 1) fail("FeedForward: sizes must be positive, got d_model=", d_model, " d_ff=", d_ff);
  if (options.activation == FeedForwardActivation::SwiGLU) {
    w1 = std::make_unique<Linear>(d_model, d_ff, rng, options.bias);
    w2 = std::make_unique<Linear>(d_ff, d_model, rng, options.bias);
    w3 = std::make_unique<Linear>(d_model, d_ff, rng, options.bias);
    register_module("w1", *w1);
    register_module("w2", *w2);
    register_module("w3", *w3);
  } else {
    fc1 = std::make_unique<Linear>(d_model, d_ff, rng, options.bias);
    fc2 = std::make_unique<Linear>(d_ff, d_model, rng, options.bias);
    register_module("fc1", *fc1);
    register_module("fc2", *fc2);
  }
  register_module("dropout", dropout);
}

Var FeedForward::forward(const Var& x) {
  if (x.dim() < 1 || x.size(-1) != d_model)
    fail("FeedForward: input ", to_string(x.shape()), " is not [..., d_model] with d_model=", d_model);
  switch (options.activation) {
    case FeedForwardActivation::Relu:
      return fc2->forward(dropout(relu(fc1->forward(x))));
    case FeedForwardActivation::Gelu:
      return fc2->forward(dropout(gelu(fc1->forward(x))));
    case FeedForwardActivation::GeluTanh:
      return fc2->forward(dropout(gelu_tanh(fc1->forward(x))));
    case FeedForwardActivation::SwiGLU:
      break;
  }
  // The gate silu(x W1ᵀ) decides, per hidden unit, how much of the value x W3ᵀ passes.
  return w2->forward(dropout(silu(w1->forward(x)) * w3->forward(x)));
}

std::string FeedForward::type_name() const {
  static const char* names[] = {"relu", "gelu", "gelu_tanh", "swiglu"};
  std::ostringstream os;
  os << "FeedForward(" << d_model << ", " << d_ff << ", " << names[int(options.activation)];
  if (!options.bias) os << ", bias=false";
  if (options.dropout > 0) os << ", dropout=" << options.dropout;
  os << ")";
  return os.str();
}

}  // namespace atn
