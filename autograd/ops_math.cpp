#include "autograd/ops_math.h"

#include <cmath>

#include "tensor/activation.h"
#include "tensor/elementwise.h"

namespace atn {

// A unary op's closure only runs when its one input requires a gradient (record() does not
// keep it otherwise), so the closures below need no requires_grad() test of their own.

Var pow(const Var& x, real p) {
  return record("pow_scalar", pow(x.value(), p), {x}, [x, p](const Tensor& g) {
    // p = 0: y = 1 is constant. Handled apart so that 0·0^(−1) = 0·inf does not give NaN at x = 0.
    if (p == 0) {
      x.accumulate_grad(Tensor::zeros(x.shape()));
      return;
    }
    if (p == 1) {
      x.accumulate_grad(g);
      return;
    }
    x.accumulate_grad(zip(g, x.value(), [p](real gy, real v) { return gy * p * std::pow(v, p - 1); }, "pow"));
  });
}

// y = a^b with broadcasting. Both local derivatives are computed in the broadcast shape;
// accumulate_grad sums them back to the shape of a and of b.
Var pow(const Var& a, const Var& b) {
  Tensor y = pow(a.value(), b.value());
  return record("pow", y, {a, b}, [a, b, y](const Tensor& g) {
    if (a.requires_grad()) {
      Tensor da = zip(a.value(), b.value(), [](real va, real vb) { return vb * std::pow(va, vb - 1); }, "pow");
      a.accumulate_grad(mul(g, da));
    }
    if (b.requires_grad()) {
      // a^b·log a. Where y = 0 (a = 0, b > 0) the limit is 0; without the test 0·log 0 = NaN.
      Tensor db = zip(y, a.value(), [](real vy, real va) { return vy == 0 ? real(0) : vy * std::log(va); }, "pow");
      b.accumulate_grad(mul(g, db));
    }
  });
}

Var square(const Var& x) {
  return record("square", pow(x.value(), real(2)), {x}, [x](const Tensor& g) {
    x.accumulate_grad(zip(g, x.value(), [](real gy, real v) { return 2 * v * gy; }, "square"));
  });
}

Var exp(const Var& x) {
  Tensor y = exp(x.value());
  return record("exp", y, {x}, [x, y](const Tensor& g) { x.accumulate_grad(mul(g, y)); });
}

Var log(const Var& x) {
  return record("log", log(x.value()), {x}, [x](const Tensor& g) { x.accumulate_grad(div(g, x.value())); });
}

Var sqrt(const Var& x) {
  Tensor y = sqrt(x.value());
  return record("sqrt", y, {x}, [x, y](const Tensor& g) {
    x.accumulate_grad(zip(g, y, [](real gy, real r) { return gy / (2 * r); }, "sqrt"));
  });
}

Var abs(const Var& x) {
  return record("abs", abs(x.value()), {x}, [x](const Tensor& g) {
    x.accumulate_grad(zip(g, x.value(), [](real gy, real v) { return v > 0 ? gy : v < 0 ? -gy : real(0); }, "abs"));
  });
}

Var tanh(const Var& x) {
  Tensor y = tanh(x.value());
  return record("tanh", y, {x}, [x, y](const Tensor& g) {
    x.accumulate_grad(zip(g, y, [](real gy, real t) { return gy * (1 - t * t); }, "tanh"));
  });
}

Var sigmoid(const Var& x) {
  Tensor y = sigmoid(x.value());
  return record("sigmoid", y, {x}, [x, y](const Tensor& g) {
    x.accumulate_grad(zip(g, y, [](real gy, real s) { return gy * s * (1 - s); }, "sigmoid"));
  });
}

Var relu(const Var& x) {
  return record("relu", relu(x.value()), {x}, [x](const Tensor& g) { x.accumulate_grad(relu_backward(x.value(), g)); });
}

Var leaky_relu(const Var& x, real slope) {
  return record("leaky_relu", leaky_relu(x.value(), slope), {x},
                [x, slope](const Tensor& g) { x.accumulate_grad(leaky_relu_backward(x.value(), g, slope)); });
}

// When a backward will follow, the forward keeps Φ(x) for it (one more tensor the size of x until
// the backward runs) and the backward then skips erf: the training step's GELU pair costs about
// a third less (small GPT step: ~0.7 ms of ~30). Without one (NoGrad, or x needs no gradient)
// nothing extra is kept.
Var gelu(const Var& x) {
  if (!Tape::recording() || !x.requires_grad()) return record("gelu", gelu(x.value()), {x}, nullptr);
  Tensor cdf;
  Tensor y = gelu_keeping_cdf(x.value(), &cdf);
  return record("gelu", std::move(y), {x},
                [x, cdf](const Tensor& g) { x.accumulate_grad(gelu_backward_from_cdf(x.value(), cdf, g)); });
}

Var gelu_tanh(const Var& x) {
  return record("gelu_tanh", gelu_tanh(x.value()), {x},
                [x](const Tensor& g) { x.accumulate_grad(gelu_tanh_backward(x.value(), g)); });
}

Var silu(const Var& x) {
  return record("silu", silu(x.value()), {x}, [x](const Tensor& g) { x.accumulate_grad(silu_backward(x.value(), g)); });
}

// At the limits the output is flat on one side, so we pass no gradient there (strictly inside only).
Var clamp(const Var& x, real low, real high) {
  Tensor y = clamp(x.value(), low, high);  // throws "clamp: low ... is above high ..." when low > high
  return record("clamp", y, {x}, [x, low, high](const Tensor& g) {
    x.accumulate_grad(
        zip(g, x.value(), [low, high](real gy, real v) { return v > low && v < high ? gy : real(0); }, "clamp"));
  });
}

}  // namespace atn
