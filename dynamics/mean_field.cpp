#include "dynamics/mean_field.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace atn {

const MeanFieldWeights& seed1_weights() {
  // Rows are patterns b = 1..3; semantic columns are segments s = 1..3 (33 units each).
  static const MeanFieldWeights w = {
      .segment = {{{-1, +1, +1}, {-1, +1, -1}, {+1, +1, +1}},   // o
                  {{-1, +1, -1}, {-1, -1, +1}, {-1, +1, +1}},   // v
                  {{+1, -1, -1}, {-1, -1, -1}, {+1, -1, +1}},   // q
                  {{-1, -1, -1}, {-1, -1, +1}, {-1, +1, -1}}},  // k
      .positional = {{{-1, -1}, {+1, -1}, {+1, +1}},            // o
                     {{-1, -1}, {+1, -1}, {-1, +1}},            // v
                     {{+1, -1}, {+1, +1}, {-1, -1}},            // q
                     {{-1, -1}, {-1, -1}, {-1, +1}}}};          // k
  return w;
}

MfCode position_code(int n) {
  if (n < 0 || n >= kMfContext) fail("position_code: position ", n, " is outside 0..", kMfContext - 1);
  MfCode c{};
  for (int bit = 0; bit < kMfPosBits; ++bit) c[size_t(bit)] = (n >> (kMfPosBits - 1 - bit)) & 1 ? 1.0 : -1.0;
  return c;
}

MeanFieldState mean_field_initial_state() {
  MeanFieldState s;
  s.A = {MfVec{-0.2288990374636795, -0.2530313149999776, 0.4001732976785555},
         MfVec{-0.23496112061886298, -0.24696923184202468, 0.394111214523471},
         MfVec{-0.2476108746307339, -0.23431947782437476, 0.38146146051180657},
         MfVec{0.3075271692332457, 0.29189849335671064, 0.9381154737196367}};
  for (int d = 0; d < kMfContext; ++d) s.code[size_t(d)] = position_code(kMfContext - 1 - d);  // 3, 2, 1, 0
  return s;
}

MeanFieldMap::MeanFieldMap(MeanFieldConfig config, const MeanFieldWeights& weights)
    : config_(config), weights_(weights), gain_(config.gamma / std::sqrt(double(kMfPatterns))) {
  if (!std::isfinite(config.beta_o)) fail("MeanFieldMap: beta_o must be finite, got ", config.beta_o);
  if (!std::isfinite(config.gamma)) fail("MeanFieldMap: gamma must be finite, got ", config.gamma);
  if (!(config.epsilon >= 0 && config.epsilon <= 1))
    fail("MeanFieldMap: epsilon must be in [0, 1], got ", config.epsilon);
  for (const auto& matrix : weights.segment)
    for (const auto& row : matrix)
      for (int s : row)
        if (s != 1 && s != -1) fail("MeanFieldMap: segment weights must be +1 or -1, got ", s);
  for (const auto& matrix : weights.positional)
    for (const auto& row : matrix)
      for (int s : row)
        if (s != 1 && s != -1) fail("MeanFieldMap: positional weights must be +1 or -1, got ", s);
}

std::array<double, kMfSegments> MeanFieldMap::segment_means(const MfVec& A) const {
  std::array<double, kMfSegments> t{};
  for (int s = 0; s < kMfSegments; ++s) {
    double h = 0;  // the local field of a unit of segment s
    for (int a = 0; a < kMfPatterns; ++a) h += weights_.segment[kMfO][a][s] * A[size_t(a)];
    t[size_t(s)] = std::tanh(config_.beta_o * h);
  }
  return t;
}

MfVec MeanFieldMap::semantic_overlap(MfMatrix alpha, const MfVec& A) const {
  return semantic_overlap_from_means(alpha, segment_means(A));
}

MfVec MeanFieldMap::semantic_overlap_from_means(MfMatrix alpha, const std::array<double, kMfSegments>& t) const {
  MfVec m{};
  for (int b = 0; b < kMfPatterns; ++b) {
    double sum = 0;
    for (int s = 0; s < kMfSegments; ++s) sum += weights_.segment[alpha][b][s] * t[size_t(s)];
    m[size_t(b)] = (1 - config_.epsilon) * sum / kMfSegments;
  }
  return m;
}

MfVec MeanFieldMap::overlap(MfMatrix alpha, const MfVec& A, const MfCode& p) const {
  return overlap_from_means(alpha, segment_means(A), p);
}

MfVec MeanFieldMap::overlap_from_means(MfMatrix alpha, const std::array<double, kMfSegments>& t, const MfCode& p) const {
  MfVec m = semantic_overlap_from_means(alpha, t);
  for (int b = 0; b < kMfPatterns; ++b) {
    double sum = 0;
    for (int i = 0; i < kMfPosBits; ++i) sum += weights_.positional[alpha][b][i] * p[size_t(i)];
    m[size_t(b)] += config_.epsilon * sum / kMfPosBits;
  }
  return m;
}

MeanFieldStep MeanFieldMap::evaluate(const MeanFieldState& state) const {
  // The segment means of each slot (three tanh), shared by all its overlaps.
  std::array<MfSegmentMeans, kMfContext> t{};
  for (int d = 0; d < kMfContext; ++d) t[size_t(d)] = segment_means(state.A[size_t(d)]);
  return evaluate_from_means(state, t);
}

MeanFieldStep MeanFieldMap::evaluate_from_means(const MeanFieldState& state,
                                                const std::array<MfSegmentMeans, kMfContext>& t) const {
  MeanFieldStep r;
  std::array<MfVec, kMfContext> v{}, k{};
  for (int d = 0; d < kMfContext; ++d) {
    v[size_t(d)] = overlap_from_means(kMfV, t[size_t(d)], state.code[size_t(d)]);
    k[size_t(d)] = overlap_from_means(kMfK, t[size_t(d)], state.code[size_t(d)]);
  }
  const MfVec q = overlap_from_means(kMfQ, t[0], state.code[0]);
  r.m_o = overlap_from_means(kMfO, t[0], state.code[0]);
  r.m_o_se = semantic_overlap_from_means(kMfO, t[0]);
  // Logits ℓ_d = (γ/√M)·q·k_d, then a softmax (shifted by the largest logit, so exp never overflows).
  std::array<double, kMfContext> logit{};
  for (int d = 0; d < kMfContext; ++d) {
    double dot = 0;
    for (int b = 0; b < kMfPatterns; ++b) dot += q[size_t(b)] * k[size_t(d)][size_t(b)];
    logit[size_t(d)] = gain_ * dot;
  }
  const double top = *std::max_element(logit.begin(), logit.end());
  double total = 0;
  for (int d = 0; d < kMfContext; ++d) total += r.weights[size_t(d)] = std::exp(logit[size_t(d)] - top);
  for (double& w : r.weights) w /= total;
  for (int b = 0; b < kMfPatterns; ++b) {
    double sum = 0;
    for (int d = 0; d < kMfContext; ++d) sum += r.weights[size_t(d)] * v[size_t(d)][size_t(b)];
    r.A_new[size_t(b)] = sum;
  }
  return r;
}

void shift_window(MeanFieldState& state, const MfVec& A_new) {
  for (int d = kMfContext - 1; d > 0; --d) state.A[size_t(d)] = state.A[size_t(d - 1)];
  state.A[0] = A_new;
  std::rotate(state.code.rbegin(), state.code.rbegin() + 1, state.code.rend());  // the last code moves to the front
}

MeanFieldStep MeanFieldMap::step(MeanFieldState& state) const {
  MeanFieldStep r = evaluate(state);
  shift_window(state, r.A_new);
  return r;
}

MeanFieldStep MeanFieldMap::step_cached(MeanFieldState& state, MeanFieldMeansCache& cache) const {
  if (cache.map != this) cache = {.map = this};
  for (size_t d = 0; d < size_t(kMfContext); ++d)
    if (!cache.filled[d] || cache.A[d] != state.A[d]) {  // exact comparison: the same A gives the same tanh
      cache.t[d] = segment_means(state.A[d]);
      cache.A[d] = state.A[d];
      cache.filled[d] = true;
    }
  MeanFieldStep r = evaluate_from_means(state, cache.t);
  shift_window(state, r.A_new);
  // The cache shifts with the window: old slot d is new slot d + 1; new slot 0 is computed next step.
  for (size_t d = size_t(kMfContext) - 1; d > 0; --d) {
    cache.t[d] = cache.t[d - 1];
    cache.A[d] = cache.A[d - 1];
    cache.filled[d] = cache.filled[d - 1];
  }
  cache.filled[0] = false;
  return r;
}

}  // namespace atn
