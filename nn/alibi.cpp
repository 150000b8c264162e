#include "nn/alibi.h"

#include <cmath>
#include <cstdlib>

namespace atn {

namespace {

// 2^(−8(h+1)/P) for h = 0..P−1, P a power of 2: the start 2^(−8/P) and the ratio are equal.
std::vector<double> power_of_2_slopes(int64_t P) {
  std::vector<double> m;
  for (int64_t h = 0; h < P; ++h) m.push_back(std::exp2(-8.0 * double(h + 1) / double(P)));
  return m;
}

}  // namespace

// The rule for H not a power of 2 follows get_slopes() in the authors' code,
// github.com/ofirpress/attention_with_linear_biases, fairseq/models/transformer.py: the paper
// trained only with 2^a heads; for other counts the extra heads take the odd-numbered slopes of
// 2P heads, which fall between the ones already used.
std::vector<real> ALiBi::slopes_for(int64_t H) {
  if (H < 1) fail("ALiBi: n_heads must be >= 1, got ", H);
  int64_t P = 1;
  while (2 * P <= H) P *= 2;  // the largest power of 2 ≤ H
  std::vector<double> m = power_of_2_slopes(P);
  const std::vector<double> finer = power_of_2_slopes(2 * P);
  for (int64_t e = 0; e < H - P; ++e) m.push_back(finer[size_t(2 * e)]);  // every other, from the first
  return {m.begin(), m.end()};
}

ALiBi::ALiBi(int64_t H) : n_heads(H), slopes_(slopes_for(H)) {}

Tensor ALiBi::bias(int64_t Lq, int64_t Lk, int64_t q_offset) const {
  if (Lq < 1 || Lk < 1 || q_offset < 0)
    fail("ALiBi: need Lq >= 1, Lk >= 1 and q_offset >= 0, got Lq=", Lq, " Lk=", Lk, " q_offset=", q_offset);
  Tensor b({n_heads, Lq, Lk});
  for (int64_t h = 0; h < n_heads; ++h)
    for (int64_t i = 0; i < Lq; ++i)
      for (int64_t j = 0; j < Lk; ++j)
        b[(h * Lq + i) * Lk + j] = -slopes_[size_t(h)] * real(std::llabs(q_offset + i - j));
  return b;
}

std::string ALiBi::type_name() const { return "ALiBi(" + std::to_string(n_heads) + " heads)"; }

}  // namespace atn
