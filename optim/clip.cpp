#include "optim/clip.h"

#include <algorithm>
#include <cmath>

namespace atn {

real clip_grad_norm(const std::vector<Var>& params, real max_norm) {
  if (!(max_norm >= 0)) fail("clip_grad_norm: max_norm must be >= 0, got ", max_norm);
  // Sum of squares in double: thousands of float squares would lose digits otherwise.
  double sum_sq = 0;
  for (const Var& p : params) {
    if (!p.defined() || !p.has_grad()) continue;
    for (real g : p.grad()) sum_sq += double(g) * double(g);
  }
  const double norm = std::sqrt(sum_sq);
  if (std::isfinite(norm) && norm > max_norm) {
    const real scale = real(max_norm / (norm + 1e-6));
    for (Var p : params)  // a copy of the handle: the same node, but a mutable grad()
      if (p.defined() && p.has_grad())
        for (real& g : p.grad()) g *= scale;
  }
  return real(norm);
}

void clip_grad_value(const std::vector<Var>& params, real clip_value) {
  if (!(clip_value >= 0)) fail("clip_grad_value: clip_value must be >= 0, got ", clip_value);
  for (Var p : params)
    if (p.defined() && p.has_grad())
      for (real& g : p.grad()) g = std::clamp(g, -clip_value, clip_value);
}

}  // namespace atn
