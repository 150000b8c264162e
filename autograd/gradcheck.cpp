#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "autograd/ops_basic.h"
#include "tensor/rng.h"

namespace atn {

namespace {
// Σ w ⊙ y accumulated in double, so the finite differences are not lost in rounding.
double weighted_sum(const Tensor& y, const Tensor& w) {
  double s = 0;
  for (int64_t i = 0; i < y.numel(); ++i) s += double(y[i]) * double(w[i]);
  return s;
}
}  // namespace

GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Var>& inputs, GradcheckOptions options) {
  GradcheckResult result;
  Tape::current().clear();
  for (const Var& v : inputs) v.zero_grad();

  // Analytic gradients from the tape.
  Var y = fn(inputs);
  Rng rng(options.seed);
  const Tensor w = Tensor::rand(y.shape(), rng, 0.5f, 1.5f);
  if (!y.requires_grad()) {
    Tape::current().clear();
    fail("gradcheck: the output does not depend on any input that requires a gradient");
  }
  backward(mul(y, constant(w)), Tensor::ones(y.shape()));

  // Numeric gradients, one element at a time.
  NoGrad no_grad;
  std::ostringstream report;
  int failures = 0;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Var& x = inputs[k];
    if (!x.requires_grad()) continue;
    Tensor& value = const_cast<Var&>(x).value();
    for (int64_t i = 0; i < value.numel(); ++i) {
      const real saved = value[i];
      value[i] = saved + options.eps;
      const double up = weighted_sum(fn(inputs).value(), w);
      value[i] = saved - options.eps;
      const double down = weighted_sum(fn(inputs).value(), w);
      value[i] = saved;
      const double numeric = (up - down) / (2.0 * double(options.eps));
      const double analytic = x.has_grad() ? double(x.grad()[i]) : 0.0;
      const double err = std::fabs(analytic - numeric);
      result.max_error = std::max(result.max_error, real(err));
      if (!(err <= options.atol + options.rtol * std::fabs(numeric))) {
        result.ok = false;
        if (failures++ < 5)
          report << "input " << k << " " << to_string(value.shape()) << " element " << i << ": tape " << analytic
                 << " vs numeric " << numeric << "\n";
      }
    }
  }
  if (failures > 5) report << "... and " << failures - 5 << " more\n";
  result.report = report.str();
  return result;
}

}  // namespace atn
