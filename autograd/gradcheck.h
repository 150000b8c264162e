// gradcheck: compares the tape's gradients with central finite differences.
//
// fn maps the inputs to any output; we differentiate L = Σ w ⊙ fn(inputs) with fixed random
// weights w, so every output element is tested, not just their sum. Central differences in
// float32 have error ~ eps² f''' + ulp(f)/eps; eps = 1e-3 balances them for values of order 1.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "autograd/var.h"

namespace atn {

struct GradcheckOptions {
  real eps = 1e-3f;
  real atol = 1e-3f;   // a component passes if |analytic − numeric| ≤ atol + rtol·|numeric|
  real rtol = 1e-2f;
  uint64_t seed = 1234;  // of the random output weights
};

struct GradcheckResult {
  bool ok = true;
  real max_error = 0;  // largest |analytic − numeric| seen
  std::string report;  // the first failures, one per line: "input 1 [2, 3] element 4: tape 0.5 vs numeric 0.7"
};

using GradcheckFn = std::function<Var(const std::vector<Var>&)>;

// Inputs that do not require a gradient are treated as constants and skipped.
GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Var>& inputs, GradcheckOptions options = {});

}  // namespace atn
