// The Jacobian of one step of the mean-field map (dynamics/mean_field.h) and the Lyapunov
// spectrum by Benettin's method with QR re-orthonormalization.
//
// The state is the window of C = 4 attention vectors, flattened as x[3d + a] = A_{d,a} (12
// coordinates). The position codes evolve by themselves (a rotation), so they do not enter. With
// G^α_d = ∂m^{α,SE}(A_d)/∂A_d, g = γ/√M, w the softmax and Ā = A_t the new attention vector:
//   ∂A_t/∂A_d = w_d·G^v_d + g·w_d·(v_d − Ā)(qᵀG^k_d) + [d = 0]·g·Σ_f w_f·(v_f − Ā)(k_fᵀG^q_0)
// The first term moves the values, the second the key of slot d, the third the query (only the
// newest slot has one). The rows of the old slots 0..2 are the shift: identity blocks.
#pragma once
#include <array>
#include <cstdint>

#include "dynamics/mean_field.h"

namespace atn {

using MfMatrix3 = std::array<MfVec, kMfPatterns>;  // [b][a]
using MfJacobian = std::array<double, kMfStateSize * kMfStateSize>;  // row-major [new coord][old coord]
using MfSpectrum = std::array<double, kMfStateSize>;

// ∂m^{α,SE}_b/∂A_a at A: (1−ε)/3 · Σ_s W^α_{b,s}·β_o·(1 − tanh²(β_o h_s))·W^o_{a,s}.
MfMatrix3 semantic_overlap_jacobian(const MeanFieldMap& map, MfMatrix alpha, const MfVec& A);
// The same from the segment means t_s = tanh(β_o h_s) (map.segment_means(A)).
MfMatrix3 semantic_overlap_jacobian_from_means(const MeanFieldMap& map, MfMatrix alpha,
                                               const std::array<double, kMfSegments>& t);

// ∂(next state)/∂(state) for one step from `state`. If `step` is given, it receives
// map.evaluate(state) (the long runs need both and the tanh values are shared).
MfJacobian mean_field_jacobian(const MeanFieldMap& map, const MeanFieldState& state, MeanFieldStep* step = nullptr);

// Benettin: Q starts as the identity; each step Z = J·Q, Z = QR (modified Gram–Schmidt), and
// the sums S_i += log|R_ii| grow by the stretching along each orthogonal direction. λ = S / steps
// in nats per step. A direction that collapses to zero adds −inf (a zero column stays zero).
class LyapunovAccumulator {
 public:
  LyapunovAccumulator();
  void add(const MfJacobian& J);
  int64_t steps() const { return steps_; }
  // S / steps, in the order of the QR columns (which converges to descending order).
  MfSpectrum exponents() const;
  // The same, sorted from largest to smallest.
  MfSpectrum sorted_exponents() const;

 private:
  MfJacobian Q_{};  // row-major, columns are the orthonormal directions
  MfSpectrum sum_{};
  int64_t steps_ = 0;
};

}  // namespace atn
