#include "nn/linear_init.h"

#include <algorithm>
#include <cmath>

#include "nn/init.h"

namespace atn {

void init_normal_linear(Linear& linear, Rng& rng, real std) {
  if (!(std >= 0) || std::isinf(std)) fail("init_normal_linear: std must be finite and >= 0, got ", std);
  init::normal(linear.weight.value(), rng, 0, std);
  if (linear.bias.defined()) init::zeros(linear.bias.value());
}

void init_normal_linears(std::initializer_list<Linear*> linears, std::initializer_list<const Linear*> residual,
                         Rng& rng, real std, real residual_std) {
  for (const Linear* r : residual)
    if (std::find(linears.begin(), linears.end(), r) == linears.end())
      fail("init_normal_linears: a residual Linear (", r ? r->type_name() : "null", ") is not among the linears");
  for (Linear* l : linears) {
    if (!l) fail("init_normal_linears: null Linear");
    const bool is_residual = std::find(residual.begin(), residual.end(), l) != residual.end();
    init_normal_linear(*l, rng, is_residual ? residual_std : std);
  }
}

real gpt2_residual_std(int64_t n_layers) {
  if (n_layers < 1) fail("gpt2_residual_std: n_layers must be at least 1, got ", n_layers);
  return 0.02f / std::sqrt(real(2 * n_layers));
}

}  // namespace atn
