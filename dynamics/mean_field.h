// The mean-field map of a self-attention network with 1-bit tokens and ±1 weights
// (Poc-López & Aguilera, "Dynamical Mean-Field Theory of Self-Attention Neural Networks",
// arXiv 2406.07247; our description: /work/shared/specs/mean-field.md).
//
// The network: tokens x ∈ {−1,+1}^N, N = N_SE semantic units + P = 2 positional units; four ±1
// weight matrices W^α (α = o, v, q, k), M = 3 rows each. The newest token's query overlaps are
// dotted with the keys of the C = 4 window tokens, scaled by γ/√M and softmaxed; the attention
// vector A_t averages the value overlaps; the next token's semantic spins have mean
// tanh(β_o Σ_a W^o_{a,i} A_{t,a}). Averaging over the semantic units (N_SE → ∞) leaves a
// deterministic map of the window of the last C attention vectors: this file.
//
// The seed-1 weights of the paper are constant on three segments of 33 semantic units, so every
// overlap needs only three tanh values, one per segment s:
//   m^{α,SE}_b(A) = (1−ε)·(1/3)·Σ_s W^α_{b,s}·tanh(β_o Σ_a W^o_{a,s} A_a)
//   m^α_b(A, p)   = m^{α,SE}_b(A) + ε·(1/P)·Σ_i Wpe^α_{b,i} p_i
// (the paper's form with sign configurations and the K matrices is the same sum; a test checks).
//
// Plain doubles, not Tensors: the state is 12 numbers and one step is a few dozen operations,
// so tensors would only add overhead, and the long runs (10⁵ steps per β) want double precision
// because the map is chaotic for some β and float rounding would change its statistics.
#pragma once
#include <array>
#include <cstdint>

namespace atn {

inline constexpr int kMfPatterns = 3;   // M: rows of each weight matrix
inline constexpr int kMfPosBits = 2;    // P: positional units
inline constexpr int kMfContext = 4;    // C = 2^P: attention vectors in the window
inline constexpr int kMfSegments = 3;   // constant segments of the semantic weights
inline constexpr int kMfStateSize = kMfContext * kMfPatterns;  // 12 coordinates

using MfVec = std::array<double, kMfPatterns>;
using MfCode = std::array<double, kMfPosBits>;

// The four weight matrices, in this order.
enum MfMatrix { kMfO = 0, kMfV = 1, kMfQ = 2, kMfK = 3 };

struct MeanFieldWeights {
  // segment[α][b][s]: the sign of W^α_{b,i} for the semantic units i of segment s.
  int segment[4][kMfPatterns][kMfSegments] = {};
  // positional[α][b][i]: Wpe^α_{b,i}.
  int positional[4][kMfPatterns][kMfPosBits] = {};
};

// The paper's seed-1 weights (the spec's table).
const MeanFieldWeights& seed1_weights();

struct MeanFieldConfig {
  double beta_o = 1.27;   // output inverse temperature: the parameter the diagrams sweep
  double gamma = 220;     // attention gain β_att·scaling_att = 2.2·100; the logits use γ/√M
  double epsilon = 0.02;  // weight of the positional part in every overlap
};

// The window: slot d = 0 is the newest attention vector; code[d] is the position code of the
// token slot d generated.
struct MeanFieldState {
  std::array<MfVec, kMfContext> A{};
  std::array<MfCode, kMfContext> code{};
};

// The upstream checkpoint (the final window of a β_o = 3 run), positions 3, 2, 1, 0.
MeanFieldState mean_field_initial_state();

// Position n ∈ {0..3} as P bits, most significant first, 0 → −1 and 1 → +1.
MfCode position_code(int n);

using MfSegmentMeans = std::array<double, kMfSegments>;

// The segment means of the window slots, for MeanFieldMap::step_cached. Each slot remembers the
// A it was computed from (and the cache the map that computed it), so a cache that no longer
// matches the state (a state edited by hand, another map) recomputes instead of going wrong.
struct MeanFieldMeansCache {
  std::array<MfSegmentMeans, kMfContext> t{};
  std::array<MfVec, kMfContext> A{};
  std::array<bool, kMfContext> filled{};
  const void* map = nullptr;  // the MeanFieldMap the values belong to
};

// What one step reads off the newest token before it moves on.
struct MeanFieldStep {
  MfVec m_o{};     // m^o(A_0, p_0): the output overlaps, positional part included
  MfVec m_o_se{};  // m^{o,SE}(A_0): their semantic part (what the diagrams plot)
  MfVec A_new{};   // the new attention vector A_t
  std::array<double, kMfContext> weights{};  // the softmax over the window
};

class MeanFieldMap {
 public:
  explicit MeanFieldMap(MeanFieldConfig config = {}, const MeanFieldWeights& weights = seed1_weights());

  const MeanFieldConfig& config() const { return config_; }
  const MeanFieldWeights& weights() const { return weights_; }
  double gain() const { return gain_; }  // γ/√M, the scale of the attention logits

  // tanh(β_o Σ_a W^o_{a,s} A_a) for each segment s: the mean spin of that segment's units.
  std::array<double, kMfSegments> segment_means(const MfVec& A) const;
  // m^{α,SE}(A) and m^α(A, p).
  MfVec semantic_overlap(MfMatrix alpha, const MfVec& A) const;
  MfVec overlap(MfMatrix alpha, const MfVec& A, const MfCode& p) const;
  // The same from the segment means (so one step computes each slot's tanh values once).
  MfVec semantic_overlap_from_means(MfMatrix alpha, const std::array<double, kMfSegments>& t) const;
  MfVec overlap_from_means(MfMatrix alpha, const std::array<double, kMfSegments>& t, const MfCode& p) const;

  // One step of the map: attention over the window, then the shift (A_t becomes slot 0) and the
  // rotation of the position codes (the last code moves to the front).
  MeanFieldStep step(MeanFieldState& state) const;
  // The new attention vector of one step, without changing the state.
  MeanFieldStep evaluate(const MeanFieldState& state) const;
  // The same from the segment means t[d] = segment_means(state.A[d]) of every slot.
  MeanFieldStep evaluate_from_means(const MeanFieldState& state, const std::array<MfSegmentMeans, kMfContext>& t) const;

  // step() recomputes the three tanh of every slot, although slots 1..3 are last step's slots
  // 0..2 whose tanh it already had. step_cached() keeps them in `cache` and only computes the
  // tanh of a slot whose A the cache has not seen (the new slot 0): 3 tanh per step instead of
  // 12. The arithmetic is otherwise the same, so both give the same state bit for bit.
  MeanFieldStep step_cached(MeanFieldState& state, MeanFieldMeansCache& cache) const;

 private:
  MeanFieldConfig config_;
  MeanFieldWeights weights_;
  double gain_;
};

// Moves the window on: A_new becomes slot 0, slots shift by one, the codes rotate.
void shift_window(MeanFieldState& state, const MfVec& A_new);

}  // namespace atn
