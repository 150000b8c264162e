// Elementwise math and activation functions on Vars. Each op computes its value with a tensor
// kernel (tensor/elementwise.h, tensor/activation.h) and records its local derivative, given in
// the comment beside it; y is the op's output, which the backward reuses where it is cheaper.
#pragma once
#include "autograd/tape.h"

namespace atn {

Var pow(const Var& x, real p);  // d/dx x^p = p·x^(p−1); p = 0 gives a zero gradient
// a^b with broadcasting. d/da = b·a^(b−1), d/db = a^b·log a: needs a > 0 (a = 0 with b > 0 gives d/db = 0).
Var pow(const Var& a, const Var& b);
Var square(const Var& x);   // d/dx x² = 2x
Var exp(const Var& x);      // d/dx eˣ = eˣ = y
Var log(const Var& x);      // d/dx log x = 1/x, for x > 0
Var sqrt(const Var& x);     // d/dx √x = 1/(2√x) = 1/(2y), for x > 0
Var abs(const Var& x);      // d/dx |x| = sign(x), with the subgradient 0 at x = 0
Var tanh(const Var& x);     // d/dx tanh x = 1 − y²
Var sigmoid(const Var& x);  // d/dx σ(x) = y(1 − y)
Var relu(const Var& x);     // d/dx max(x, 0) = 1 if x > 0, else 0 (0 at x = 0)
Var leaky_relu(const Var& x, real slope = 0.01f);  // y = x if x > 0 else slope·x; d/dx = 1 if x > 0, else slope
Var gelu(const Var& x);     // y = x·Φ(x) (exact, erf); d/dx = Φ(x) + x·φ(x)
// y = 0.5x(1 + tanh u), u = √(2/π)(x + 0.044715x³); d/dx = 0.5(1 + tanh u) + 0.5x(1 − tanh²u)·du/dx
Var gelu_tanh(const Var& x);
Var silu(const Var& x);     // y = x·σ(x); d/dx = σ(x)(1 + x(1 − σ(x)))
// min(max(x, low), high); d/dx = 1 strictly inside (low, high), 0 elsewhere. low > high throws Error.
Var clamp(const Var& x, real low, real high);

}  // namespace atn
