// Sequential: layers applied one after another, and the parameter-free activation layers
// (ReLU, Tanh, Sigmoid, GELU) that let it spell out an MLP:
//
//   Sequential mlp;
//   mlp.add(std::make_unique<Linear>(2, 16, rng));
//   mlp.add(std::make_unique<ReLU>());
//   mlp.add(std::make_unique<Linear>(16, 1, rng));
//   Var y = mlp(x);  // parameters "0.weight", "0.bias", "2.weight", "2.bias", as torch.nn.Sequential
#pragma once
#include <memory>
#include <vector>

#include "nn/layer.h"

namespace atn {

class Sequential : public Layer {
 public:
  // Takes ownership and registers the layer under its position ("0", "1", ...); returns it
  // with its own type, so it can be kept: auto& fc = seq.add(std::make_unique<Linear>(...)).
  template <class L>
  L& add(std::unique_ptr<L> layer) {
    L* ref = layer.get();
    add_layer(std::move(layer));  // throws on a null layer before ref is used
    return *ref;
  }
  Var forward(const Var& x) override;  // no layers: x itself, like an empty torch.nn.Sequential
  std::string type_name() const override { return "Sequential"; }

  size_t size() const { return layers_.size(); }
  Layer& operator[](size_t i);  // throws Error when i is out of range

 private:
  void add_layer(std::unique_ptr<Layer> layer);
  std::vector<std::unique_ptr<Layer>> layers_;  // heap objects: their addresses stay put for the registry
};

// Activation layers: each forwards to the op of autograd/ops_math.h.
class ReLU : public Layer {
 public:
  Var forward(const Var& x) override;
  std::string type_name() const override { return "ReLU"; }
};

class Tanh : public Layer {
 public:
  Var forward(const Var& x) override;
  std::string type_name() const override { return "Tanh"; }
};

class Sigmoid : public Layer {
 public:
  Var forward(const Var& x) override;
  std::string type_name() const override { return "Sigmoid"; }
};

// Exact GELU x·Φ(x), or with approximate_tanh its tanh approximation (GPT-2, BERT), as
// torch.nn.GELU(approximate='tanh').
class GELU : public Layer {
 public:
  explicit GELU(bool approximate = false) : approximate_tanh(approximate) {}
  Var forward(const Var& x) override;
  std::string type_name() const override { return approximate_tanh ? "GELU(tanh)" : "GELU"; }

  bool approximate_tanh;
};

}  // namespace atn
