#include "tensor/rng.h"

#include <cmath>
#include <cstring>

#include "tensor/error.h"

namespace atn {

namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

void Rng::seed_with(uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
  has_spare_ = false;
}

uint64_t Rng::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

uint64_t Rng::below(uint64_t n) {
  if (n == 0) fail("Rng::below: n must be positive");
  // Reject the top partial block of 2^64 so every residue is equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = next_u64();
  while (x >= limit);
  return x % n;
}

real Rng::uniform() { return real(next_u64() >> 40) * real(1.0 / 16777216.0); }
double Rng::uniform_double() { return double(next_u64() >> 11) * (1.0 / 9007199254740992.0); }

real Rng::normal(real mean, real std) {
  double z;
  if (has_spare_) {
    z = spare_;
    has_spare_ = false;
  } else {
    double u1 = 1.0 - uniform_double();  // (0, 1], so the log is finite
    double u2 = uniform_double();
    double r = std::sqrt(-2.0 * std::log(u1));
    z = r * std::cos(2.0 * M_PI * u2);
    spare_ = r * std::sin(2.0 * M_PI * u2);
    has_spare_ = true;
  }
  return real(mean + std * z);
}

bool Rng::bernoulli(double p) { return uniform_double() < p; }

std::vector<int64_t> Rng::permutation(int64_t n) {
  if (n < 0) fail("Rng::permutation: n must be non-negative, got ", n);
  std::vector<int64_t> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p[size_t(i)] = i;
  for (int64_t i = n - 1; i > 0; --i) std::swap(p[size_t(i)], p[below(uint64_t(i + 1))]);
  return p;
}

int64_t Rng::categorical(const real* weights, int64_t n) {
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!(weights[i] >= 0) || std::isinf(weights[i])) fail("Rng::categorical: weight ", i, " is ", weights[i]);
    total += weights[i];
  }
  if (n == 0 || total <= 0) fail("Rng::categorical: weights must not all be zero");
  double u = uniform_double() * total, acc = 0;
  for (int64_t i = 0; i < n; ++i) {
    acc += weights[i];
    if (u < acc) return i;
  }
  for (int64_t i = n; i-- > 0;)  // rounding put u at the very top: take the last positive weight
    if (weights[i] > 0) return i;
  return n - 1;
}

std::vector<uint64_t> Rng::state() const {
  uint64_t spare_bits;
  static_assert(sizeof spare_bits == sizeof spare_);
  std::memcpy(&spare_bits, &spare_, sizeof spare_);
  return {s_[0], s_[1], s_[2], s_[3], uint64_t(has_spare_), spare_bits};
}

void Rng::set_state(const std::vector<uint64_t>& state) {
  if (state.size() != 6) fail("Rng::set_state: expected 6 words, got ", state.size());
  // xoshiro256** never leaves the all-zero state: from it the generator returns 0 forever.
  if ((state[0] | state[1] | state[2] | state[3]) == 0)
    fail("Rng::set_state: the first four words are all zero, a state the generator never reaches");
  if (state[4] > 1) fail("Rng::set_state: word 4 (has a spare normal) must be 0 or 1, got ", state[4]);
  for (int i = 0; i < 4; ++i) s_[i] = state[size_t(i)];
  has_spare_ = state[4] != 0;
  std::memcpy(&spare_, &state[5], sizeof spare_);
}

}  // namespace atn
