#include "dynamics/lyapunov.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace atn {

namespace {
constexpr int n = kMfStateSize, m = kMfPatterns;
inline size_t at(int row, int col) { return size_t(row) * n + size_t(col); }
}  // namespace

MfMatrix3 semantic_overlap_jacobian(const MeanFieldMap& map, MfMatrix alpha, const MfVec& A) {
  return semantic_overlap_jacobian_from_means(map, alpha, map.segment_means(A));
}

MfMatrix3 semantic_overlap_jacobian_from_means(const MeanFieldMap& map, MfMatrix alpha,
                                               const std::array<double, kMfSegments>& t) {
  const MeanFieldWeights& w = map.weights();
  const double beta = map.config().beta_o, scale = (1 - map.config().epsilon) / kMfSegments;
  MfMatrix3 G{};
  for (int s = 0; s < kMfSegments; ++s) {
    const double slope = beta * (1 - t[size_t(s)] * t[size_t(s)]);  // d tanh(βh)/dh
    for (int b = 0; b < m; ++b)
      for (int a = 0; a < m; ++a) G[size_t(b)][size_t(a)] += scale * w.segment[alpha][b][s] * slope * w.segment[kMfO][a][s];
  }
  return G;
}

MfJacobian mean_field_jacobian(const MeanFieldMap& map, const MeanFieldState& state, MeanFieldStep* step_out) {
  // The segment means (the tanh) of each slot, computed once for the step and its Jacobian.
  std::array<MfSegmentMeans, kMfContext> t{};
  for (int d = 0; d < kMfContext; ++d) t[size_t(d)] = map.segment_means(state.A[size_t(d)]);
  const MeanFieldStep step = map.evaluate_from_means(state, t);
  if (step_out) *step_out = step;
  const MfVec& Abar = step.A_new;
  const double g = map.gain();
  std::array<MfVec, kMfContext> v{}, k{};
  for (int d = 0; d < kMfContext; ++d) {
    v[size_t(d)] = map.overlap_from_means(kMfV, t[size_t(d)], state.code[size_t(d)]);
    k[size_t(d)] = map.overlap_from_means(kMfK, t[size_t(d)], state.code[size_t(d)]);
  }
  const MfVec q = map.overlap_from_means(kMfQ, t[0], state.code[0]);
  const MfMatrix3 Gq = semantic_overlap_jacobian_from_means(map, kMfQ, t[0]);

  MfJacobian J{};
  for (int d = 0; d < kMfContext; ++d) {
    const double w = step.weights[size_t(d)];
    const MfMatrix3 Gv = semantic_overlap_jacobian_from_means(map, kMfV, t[size_t(d)]);
    const MfMatrix3 Gk = semantic_overlap_jacobian_from_means(map, kMfK, t[size_t(d)]);
    MfVec qGk{};  // qᵀ G^k_d: how the logit of slot d moves with A_d through its key
    for (int a = 0; a < m; ++a)
      for (int b = 0; b < m; ++b) qGk[size_t(a)] += q[size_t(b)] * Gk[size_t(b)][size_t(a)];
    for (int b = 0; b < m; ++b)
      for (int a = 0; a < m; ++a)
        J[at(b, m * d + a)] = w * Gv[size_t(b)][size_t(a)] + g * w * (v[size_t(d)][size_t(b)] - Abar[size_t(b)]) * qGk[size_t(a)];
  }
  // The query of the newest slot moves every logit.
  for (int f = 0; f < kMfContext; ++f) {
    const double w = step.weights[size_t(f)];
    MfVec kGq{};
    for (int a = 0; a < m; ++a)
      for (int b = 0; b < m; ++b) kGq[size_t(a)] += k[size_t(f)][size_t(b)] * Gq[size_t(b)][size_t(a)];
    for (int b = 0; b < m; ++b)
      for (int a = 0; a < m; ++a) J[at(b, a)] += g * w * (v[size_t(f)][size_t(b)] - Abar[size_t(b)]) * kGq[size_t(a)];
  }
  // The shift: new slot d + 1 is old slot d.
  for (int i = 0; i < n - m; ++i) J[at(m + i, i)] = 1;
  return J;
}

LyapunovAccumulator::LyapunovAccumulator() {
  for (int i = 0; i < n; ++i) Q_[at(i, i)] = 1;
}

void LyapunovAccumulator::add(const MfJacobian& J) {
  MfJacobian Z{};
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k) {
      const double jik = J[at(i, k)];
      if (jik == 0) continue;
      for (int j = 0; j < n; ++j) Z[at(i, j)] += jik * Q_[at(k, j)];
    }
  // Modified Gram–Schmidt on the columns of Z: column j loses its components along the
  // columns before it; its remaining length is R_jj.
  for (int j = 0; j < n; ++j) {
    for (int p = 0; p < j; ++p) {
      double dot = 0;
      for (int i = 0; i < n; ++i) dot += Z[at(i, p)] * Z[at(i, j)];
      for (int i = 0; i < n; ++i) Z[at(i, j)] -= dot * Z[at(i, p)];
    }
    double norm2 = 0;
    for (int i = 0; i < n; ++i) norm2 += Z[at(i, j)] * Z[at(i, j)];
    const double norm = std::sqrt(norm2);
    sum_[size_t(j)] += std::log(norm);
    if (norm > 0)
      for (int i = 0; i < n; ++i) Z[at(i, j)] /= norm;
  }
  Q_ = Z;
  ++steps_;
}

MfSpectrum LyapunovAccumulator::exponents() const {
  MfSpectrum l{};
  for (int i = 0; i < n; ++i) l[size_t(i)] = steps_ > 0 ? sum_[size_t(i)] / double(steps_) : 0;
  return l;
}

MfSpectrum LyapunovAccumulator::sorted_exponents() const {
  MfSpectrum l = exponents();
  std::sort(l.begin(), l.end(), std::greater<double>());
  return l;
}

}  // namespace atn
