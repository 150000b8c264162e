#include "nn/sequential.h"

#include "autograd/ops_math.h"

namespace atn {

void Sequential::add_layer(std::unique_ptr<Layer> layer) {
  if (!layer) fail("Sequential: add() got a null layer at position ", layers_.size());
  register_module(std::to_string(layers_.size()), *layer);
  layers_.push_back(std::move(layer));
}

Var Sequential::forward(const Var& x) {
  Var h = x;
  for (auto& layer : layers_) h = layer->forward(h);
  return h;
}

Layer& Sequential::operator[](size_t i) {
  if (i >= layers_.size()) fail("Sequential: index ", i, " out of range for ", layers_.size(), " layers");
  return *layers_[i];
}

Var ReLU::forward(const Var& x) { return relu(x); }
Var Tanh::forward(const Var& x) { return tanh(x); }
Var Sigmoid::forward(const Var& x) { return sigmoid(x); }
Var GELU::forward(const Var& x) { return approximate_tanh ? gelu_tanh(x) : gelu(x); }

}  // namespace atn
