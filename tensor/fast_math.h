// Elementary functions written so that the compiler can vectorize the loops that call them:
// no library call, no branch (both sides of a choice are computed and one is selected), only
// +, ×, ÷ and bit operations. The plain std:: functions remain the reference; the tests
// compare these with them over dense ranges.
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>

#include "tensor/shape.h"

namespace atn::detail {

// exp(x) written so that the compiler can vectorize a loop around it (a call to std::exp stops
// that; in the softmax loops of attention the exponentials cost as much as the products).
// eˣ = 2ⁿ·eʳ with n = round(x / ln 2) and r = x − n·ln 2 in [−ln2/2, ln2/2]; eʳ comes from the
// polynomial of Cephes' expf (S. Moshier), accurate to about 1 ulp, and 2ⁿ is built directly
// in the exponent bits. Below −87.3 (eˣ < 2⁻¹²⁶, the smallest normal float) the result is 0,
// which is what a masked score of −inf needs. Inputs are expected to be finite or −inf.
inline real exp_approx(real x) {
  if constexpr (sizeof(real) != sizeof(float)) {
    return std::exp(x);
  } else {
    const bool underflow = x < -87.3f;
    x = x > -87.3f ? x : -87.3f;
    x = x < 88.3f ? x : 88.3f;
    // Round to nearest by adding and removing 1.5·2²³: the sum has no bits left below 1. (std::round
    // or std::floor would be a library call here, which is what we are avoiding.)
    const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;  // ln 2 in two parts: the first is exact in n·C
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const float two_n = std::bit_cast<float>(int32_t(n + 127.0f) << 23);
    return underflow ? 0.0f : p * two_n;
  }
}


// erf(x) in float, within about 2 ulp of the exact value (relative error below 2e-7; the test
// checks 2.5e-7 against std::erf on a dense grid of [−6, 6] and small values down to 1e-30).
// Two pieces, with coefficients fitted for this library (least squares in relative error, on
// Chebyshev points, then rounded to float):
//   |x| < 0.875:  erf(x) = x·P(x²), P of degree 5 (the Taylor series of erf(x)/x, refitted);
//   |x| ≥ 0.875:  erf(x) = 1 − e^(−x²)·Q(t), t = 1/(1 + x/2), Q of degree 8 fitting
//                 erfc(x)·e^(x²), which is smooth and slowly varying (the form of Numerical
//                 Recipes' erfcc, W. H. Press et al., §6.2).
// |x| is clamped to 4, where float erf is already 1. e^(−x²) needs x² to more than float
// precision (an error δ in x² is a relative error δ in erfc): x² = s + ε with s = fl(x²) and ε
// the rounding error, found exactly by splitting x into halves of 12 bits (Dekker 1971), and
// e^(−x²) = e^(−s)·e^(−ε) ≈ e^(−s)·(1 − ε).
inline real erf_approx(real x) {
  if constexpr (sizeof(real) != sizeof(float)) {
    return std::erf(x);
  } else {
    const float a = std::fabs(x) > 4.0f ? 4.0f : std::fabs(x);  // NaN stays NaN
    const float s = a * a;
    // Small piece.
    float p = -6.23515574e-4f;
    p = p * s + 5.03873779e-3f;
    p = p * s - 2.67963056e-2f;
    p = p * s + 1.12826079e-1f;
    p = p * s - 3.76125693e-1f;
    p = p * s + 1.12837911f;
    const float small = a * p;
    // Large piece. hi·hi, hi·lo and lo·lo are exact in float, so err is x² − s to float precision.
    const float hi = std::bit_cast<float>(std::bit_cast<uint32_t>(a) & 0xFFFFF000u), lo = a - hi;
    const float err = ((hi * hi - s) + 2.0f * hi * lo) + lo * lo;
    const float t = 1.0f / (1.0f + 0.5f * a);
    float q = 8.36633611e-3f;
    q = q * t + 8.59906822e-2f;
    q = q * t - 4.13578182e-1f;
    q = q * t + 5.06950915e-1f;
    q = q * t - 6.95469752e-2f;
    q = q * t + 3.34743708e-1f;
    q = q * t + 2.62786955e-1f;
    q = q * t + 2.84496099e-1f;
    q = q * t - 1.29921362e-4f;
    const float large = 1.0f - q * (exp_approx(-s) * (1.0f - err));
    return std::copysign(a < 0.875f ? small : large, x);
  }
}

}  // namespace atn::detail
