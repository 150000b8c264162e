// Elementwise math and activation functions on Vars. Each op computes its value with a tensor
// kernel (tensor/elementwise.h, tensor/activation.h) and records its local derivative, stated
// in the comment beside it (y is the op's output, g the gradient arriving from above).
#pragma once
#include "autograd/tape.h"

namespace atn {

Var pow(const Var& x, real p);           // d/dx x^p = p·x^(p−1)   (p = 0 gives a zero gradient)
Var pow(const Var& a, const Var& b);     // d/da = b·a^(b−1), d/db = a^b·log a; broadcasts; needs a > 0 for d/db
Var square(const Var& x);                // d/dx x² = 2x
Var exp(const Var& x);                   // d/dx eˣ = y
Var log(const Var& x);                   // d/dx log x = 1/x   (x > 0)
Var sqrt(const Var& x);                  // d/dx √x = 1/(2y)   (x > 0)
Var abs(const Var& x);                   // d/dx |x| = sign(x), subgradient 0 at x = 0
Var tanh(const Var& x);                  // d/dx tanh x = 1 − y²
Var sigmoid(const Var& x);               // d/dx σ(x) = y(1 − y)
Var relu(const Var& x);                  // d/dx max(x, 0) = 1 if x > 0 else 0 (0 at x = 0)
Var leaky_relu(const Var& x, real slope = 0.01f);  // derivative 1 if x > 0 else slope
Var gelu(const Var& x);                  // x·Φ(x); derivative Φ(x) + x·φ(x)
Var gelu_tanh(const Var& x);             // 0.5x(1 + tanh u), u = √(2/π)(x + 0.044715x³); derivative in activation.cpp
Var silu(const Var& x);                  // x·σ(x); derivative σ(x)(1 + x(1 − σ(x)))
Var clamp(const Var& x, real low, real high);  // derivative 1 strictly inside (low, high), 0 elsewhere; low > high throws

}  // namespace atn
