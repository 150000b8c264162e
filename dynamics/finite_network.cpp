#include "dynamics/finite_network.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace atn {

FiniteNetwork::FiniteNetwork(const FiniteNetworkConfig& config, const MeanFieldState& start, const MeanFieldWeights& weights)
    : config_(config), map_(config.map, weights), n_(config.n_semantic), rng_(config.seed) {
  if (n_ < kMfSegments || n_ % kMfSegments != 0)
    fail("FiniteNetwork: n_semantic must be a positive multiple of ", kMfSegments, ", got ", n_);
  for (int d = 0; d < kMfContext; ++d) {
    tokens_[size_t(d)] = sample_token(start.A[size_t(d)]);
    sums_[size_t(d)] = segment_sums(tokens_[size_t(d)]);
    code_[size_t(d)] = start.code[size_t(d)];
  }
}

int FiniteNetwork::weight(MfMatrix alpha, int b, int64_t i) const {
  return map_.weights().segment[alpha][b][i / (n_ / kMfSegments)];
}

std::vector<int8_t> FiniteNetwork::sample_token(const MfVec& A) {
  const auto mean = map_.segment_means(A);  // ⟨x_i⟩ for the units of each segment
  std::vector<int8_t> x(static_cast<size_t>(n_));
  for (int64_t i = 0; i < n_; ++i) {
    const double p_up = (1 + mean[size_t(i / (n_ / kMfSegments))]) / 2;
    x[size_t(i)] = rng_.uniform_double() < p_up ? 1 : -1;
  }
  return x;
}

std::array<int64_t, kMfSegments> FiniteNetwork::segment_sums(const std::vector<int8_t>& x) const {
  std::array<int64_t, kMfSegments> sums{};
  for (int64_t i = 0; i < n_; ++i) sums[size_t(i / (n_ / kMfSegments))] += x[size_t(i)];
  return sums;
}

MfVec FiniteNetwork::semantic_overlap(MfMatrix alpha, int d) const {
  if (d < 0 || d >= kMfContext) fail("FiniteNetwork::semantic_overlap: slot ", d, " is outside 0..", kMfContext - 1);
  // (1/N_SE)·Σ_i W^α_{b,i} x_i = (1/N_SE)·Σ_s W^α_{b,s}·(Σ_{i in s} x_i): the weights are constant per segment.
  MfVec m{};
  for (int b = 0; b < kMfPatterns; ++b) {
    int64_t sum = 0;
    for (int s = 0; s < kMfSegments; ++s) sum += map_.weights().segment[alpha][b][s] * sums_[size_t(d)][size_t(s)];
    m[size_t(b)] = (1 - config_.map.epsilon) * double(sum) / double(n_);
  }
  return m;
}

MfVec FiniteNetwork::overlap(MfMatrix alpha, int d) const {
  MfVec m = semantic_overlap(alpha, d);
  const MfCode& p = code_[size_t(d)];
  for (int b = 0; b < kMfPatterns; ++b) {
    double sum = 0;
    for (int i = 0; i < kMfPosBits; ++i) sum += map_.weights().positional[alpha][b][i] * p[size_t(i)];
    m[size_t(b)] += config_.map.epsilon * sum / kMfPosBits;
  }
  return m;
}

MeanFieldStep FiniteNetwork::step() {
  MeanFieldStep r;
  r.m_o = overlap(kMfO, 0);
  r.m_o_se = semantic_overlap(kMfO, 0);
  const MfVec q = overlap(kMfQ, 0);
  std::array<MfVec, kMfContext> v{};
  std::array<double, kMfContext> logit{};
  for (int d = 0; d < kMfContext; ++d) {
    v[size_t(d)] = overlap(kMfV, d);
    const MfVec k = overlap(kMfK, d);
    double dot = 0;
    for (int b = 0; b < kMfPatterns; ++b) dot += q[size_t(b)] * k[size_t(b)];
    logit[size_t(d)] = map_.gain() * dot;
  }
  const double top = *std::max_element(logit.begin(), logit.end());
  double total = 0;
  for (int d = 0; d < kMfContext; ++d) total += r.weights[size_t(d)] = std::exp(logit[size_t(d)] - top);
  for (double& w : r.weights) w /= total;
  for (int b = 0; b < kMfPatterns; ++b)
    for (int d = 0; d < kMfContext; ++d) r.A_new[size_t(b)] += r.weights[size_t(d)] * v[size_t(d)][size_t(b)];
  // The new token enters the window; the codes rotate as in the map.
  for (int d = kMfContext - 1; d > 0; --d) {
    tokens_[size_t(d)] = std::move(tokens_[size_t(d - 1)]);
    sums_[size_t(d)] = sums_[size_t(d - 1)];
  }
  tokens_[0] = sample_token(r.A_new);
  sums_[0] = segment_sums(tokens_[0]);
  std::rotate(code_.rbegin(), code_.rbegin() + 1, code_.rend());
  return r;
}

}  // namespace atn
