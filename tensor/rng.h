// Rng: a seeded generator whose every output is the same on every platform.
//
// std::mt19937 is portable but std::normal_distribution and friends are not (each standard
// library draws differently), so every distribution here is written out. The engine is
// xoshiro256** (Blackman & Vigna, 2018), seeded through splitmix64.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/error.h"
#include "tensor/shape.h"

namespace atn {

class Tensor;

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { seed_with(seed); }
  void seed_with(uint64_t seed);

  uint64_t next_u64();
  uint64_t below(uint64_t n);   // uniform integer in [0, n), without modulo bias
  real uniform();               // [0, 1), 24 random bits
  double uniform_double();      // [0, 1), 53 random bits
  real normal(real mean = 0, real std = 1);  // Box-Muller in double precision
  bool bernoulli(double p);
  std::vector<int64_t> permutation(int64_t n);  // Fisher-Yates
  // An index drawn with probability proportional to weights[i] (non-negative, not all zero).
  int64_t categorical(const real* weights, int64_t n);
  int64_t categorical(const std::vector<real>& weights) { return categorical(weights.data(), int64_t(weights.size())); }

  // The full state, so that a checkpoint can resume a run exactly.
  std::vector<uint64_t> state() const;
  void set_state(const std::vector<uint64_t>& state);

 private:
  uint64_t s_[4] = {};
  bool has_spare_ = false;
  double spare_ = 0;
};

}  // namespace atn
