// The finite self-attention network that the mean-field map (dynamics/mean_field.h) averages:
// real tokens of N_SE semantic spins x_i = ±1 plus P = 2 positional units, sampled one at a time.
//
// The window holds the last C = 4 tokens. One step: the overlaps of each window token with the
// four weight matrices, the newest token's query against every key (gain γ/√M, softmax), the
// attention vector A_t = Σ_d w_d m^v_d, and a new token whose semantic spins are drawn
// independently with ⟨x_i⟩ = tanh(β_o Σ_a W^o_{a,i} A_{t,a}); its positional units are the code of
// its position. As N_SE grows, each overlap tends to its mean (the law of large numbers over the
// spins of each segment) and the network follows the mean-field map.
//
// The overlaps weigh the semantic and positional parts by (1 − ε) and ε, as the map does:
//   m^α_b = (1 − ε)·(1/N_SE)·Σ_i W^α_{b,i} x_i + ε·(1/P)·Σ_i Wpe^α_{b,i} p_i
// (a plain 1/N over all N_SE + P units would give the positional part weight P/N, which depends on N).
#pragma once
#include <cstdint>
#include <vector>

#include "dynamics/mean_field.h"
#include "tensor/rng.h"

namespace atn {

struct FiniteNetworkConfig {
  int64_t n_semantic = 99;  // N_SE: a positive multiple of 3 (three equal weight segments)
  uint64_t seed = 1;        // of the spin sampling
  MeanFieldConfig map{};
};

class FiniteNetwork {
 public:
  // The window starts with tokens sampled from the attention vectors of `start` (slot d's token
  // is drawn from A_d) with start's position codes.
  FiniteNetwork(const FiniteNetworkConfig& config, const MeanFieldState& start,
                const MeanFieldWeights& weights = seed1_weights());

  int64_t n_semantic() const { return n_; }
  // The semantic weight W^α_{b,i} of unit i (its segment's sign).
  int weight(MfMatrix alpha, int b, int64_t i) const;
  // The overlaps of window token d: semantic part only, and the full one.
  MfVec semantic_overlap(MfMatrix alpha, int d) const;
  MfVec overlap(MfMatrix alpha, int d) const;
  const std::vector<int8_t>& token(int d) const { return tokens_[size_t(d)]; }

  // One step: m_o_se/m_o are the measured overlaps of the newest token (before it moves on),
  // A_new the attention vector that drew the new token.
  MeanFieldStep step();

 private:
  std::vector<int8_t> sample_token(const MfVec& A);
  // Σ_{i in segment s} x_i of a token: every overlap is a signed sum of these three numbers, so
  // they are computed once when the token is drawn.
  std::array<int64_t, kMfSegments> segment_sums(const std::vector<int8_t>& x) const;

  FiniteNetworkConfig config_;
  MeanFieldMap map_;  // for the weights, the gain and the tanh of each segment
  int64_t n_;
  Rng rng_;
  std::array<std::vector<int8_t>, kMfContext> tokens_{};
  std::array<std::array<int64_t, kMfSegments>, kMfContext> sums_{};
  std::array<MfCode, kMfContext> code_{};
};

}  // namespace atn
