// Small helpers shared by the test files.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "nn/layer.h"
#include "tensor/rng.h"
#include "tensor/thread_pool.h"

namespace atn::testing_util {

using Vars = std::vector<Var>;

// Puts the thread count back when the test that changes it ends (passed or failed).
struct KeepThreadCount {
  int saved = num_threads();
  ~KeepThreadCount() { set_num_threads(saved); }
};
using Names = std::vector<std::string>;

// A leaf that requires a gradient, with N(0, 1) values.
inline Var rand_param(Shape shape, Rng& rng) { return param(Tensor::randn(std::move(shape), rng)); }

// The dotted parameter names of a module, in order.
inline Names names_of(const Module& m) {
  Names out;
  for (const auto& [name, _] : m.named_parameters()) out.push_back(name);
  return out;
}

// gradcheck of layer(x) with respect to x and every parameter of the layer. The parameters
// are passed as gradcheck inputs, which perturbs them in place: the layer sees each change.
inline void expect_layer_gradcheck(Layer& layer, const Var& x, const std::string& what) {
  Vars inputs = {x};
  for (const Var& p : layer.parameters()) inputs.push_back(p);
  const auto r = gradcheck([&layer](const Vars& v) { return layer(v[0]); }, inputs);
  EXPECT_TRUE(r.ok) << what << "\n" << r.report;
}

}  // namespace atn::testing_util
