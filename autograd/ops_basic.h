// Arithmetic on Vars (broadcasting), matmul, and the sum/mean reductions.
// Each op computes its value with a tensor kernel and records its local derivative.
#pragma once
#include "autograd/tape.h"

namespace atn {

Var add(const Var& a, const Var& b);
Var sub(const Var& a, const Var& b);
Var mul(const Var& a, const Var& b);
Var div(const Var& a, const Var& b);
Var neg(const Var& a);
Var add(const Var& a, real s);
Var mul(const Var& a, real s);
Var rsub(real s, const Var& a);  // s - a
Var rdiv(real s, const Var& a);  // s / a

// Batched matmul with broadcast batch axes; trans_a / trans_b transpose the last two axes.
Var matmul(const Var& a, const Var& b, bool trans_a = false, bool trans_b = false);

Var sum(const Var& a);  // all elements → scalar
Var sum(const Var& a, int64_t axis, bool keepdim = false);
Var mean(const Var& a);
Var mean(const Var& a, int64_t axis, bool keepdim = false);

inline Var operator+(const Var& a, const Var& b) { return add(a, b); }
inline Var operator-(const Var& a, const Var& b) { return sub(a, b); }
inline Var operator*(const Var& a, const Var& b) { return mul(a, b); }
inline Var operator/(const Var& a, const Var& b) { return div(a, b); }
inline Var operator-(const Var& a) { return neg(a); }
inline Var operator+(const Var& a, real s) { return add(a, s); }
inline Var operator+(real s, const Var& a) { return add(a, s); }
inline Var operator-(const Var& a, real s) { return add(a, -s); }
inline Var operator-(real s, const Var& a) { return rsub(s, a); }
inline Var operator*(const Var& a, real s) { return mul(a, s); }
inline Var operator*(real s, const Var& a) { return mul(a, s); }
inline Var operator/(const Var& a, real s) { return mul(a, real(1) / s); }
inline Var operator/(real s, const Var& a) { return rdiv(s, a); }

}  // namespace atn
