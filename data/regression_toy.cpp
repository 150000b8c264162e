#include "data/regression_toy.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/rng.h"

namespace atn {

real regression_toy_function(real x) { return real(2 * std::sin(double(x)) + double(x)); }

RegressionToy regression_toy(const RegressionToyConfig& cfg) {
  if (cfg.n_train <= 0 || cfg.n_test <= 0)
    fail("regression_toy: n_train and n_test must be positive, got ", cfg.n_train, " and ", cfg.n_test);
  if (!(cfg.x_max > 0)) fail("regression_toy: x_max must be positive, got ", cfg.x_max);
  if (!(cfg.noise_std >= 0)) fail("regression_toy: noise_std must be >= 0, got ", cfg.noise_std);
  Rng rng(cfg.seed);
  std::vector<real> x(size_t(cfg.n_train));
  for (real& v : x) v = rng.uniform() * cfg.x_max;
  std::sort(x.begin(), x.end());
  std::vector<real> y;
  for (real v : x) y.push_back(regression_toy_function(v) + rng.normal(0, cfg.noise_std));
  std::vector<real> xt, yt;
  for (int64_t i = 0; i < cfg.n_test; ++i) {
    xt.push_back(real(double(cfg.x_max) * double(i) / double(cfg.n_test)));
    yt.push_back(regression_toy_function(xt.back()));
  }
  return {Tensor::from(x), Tensor::from(y), Tensor::from(xt), Tensor::from(yt)};
}

}  // namespace atn
