#include "models/beam_search.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace atn {

namespace {

real length_penalized(real log_prob, int64_t length, real alpha) {
  if (alpha == 0) return log_prob;
  return log_prob / real(std::pow((5.0 + double(length)) / 6.0, double(alpha)));
}

struct Candidate {
  real log_prob;
  int64_t beam, token;
};

}  // namespace

std::vector<Hypothesis> beam_search(const NextTokenLogProbs& next_log_probs, const BeamSearchOptions& o) {
  if (o.beam_size < 1) fail("beam_search: beam_size must be >= 1, got ", o.beam_size);
  if (o.max_len < 0) fail("beam_search: max_len must be >= 0, got ", o.max_len);
  if (o.bos < 0) fail("beam_search: bos must be a token id >= 0, got ", o.bos);
  if (!(o.length_penalty >= 0)) fail("beam_search: length_penalty must be >= 0, got ", o.length_penalty);
  const auto k = size_t(o.beam_size);

  std::vector<Hypothesis> alive = {Hypothesis{}}, finished;
  for (int64_t t = 0; t < o.max_len && !alive.empty(); ++t) {
    // Every alive prefix, bos first, as one batch [n, t + 1].
    const auto n = int64_t(alive.size());
    Tensor prefixes({n, t + 1});
    for (int64_t i = 0; i < n; ++i) {
      prefixes[i * (t + 1)] = real(o.bos);
      for (int64_t j = 0; j < t; ++j) prefixes[i * (t + 1) + j + 1] = real(alive[size_t(i)].tokens[size_t(j)]);
    }
    const Tensor lp = next_log_probs(prefixes);
    if (lp.dim() != 2 || lp.size(0) != n || lp.size(1) < 1)
      fail("beam_search: next_log_probs returned ", to_string(lp.shape()), " for ", n, " prefixes, not [", n,
           ", vocab]");
    const int64_t V = lp.size(1);
    if (o.eos >= V) fail("beam_search: eos=", o.eos, " is not below the vocabulary size ", V);

    // The 2k best extensions (so that k remain even if k of them end here), in a fixed order.
    std::vector<Candidate> cands;
    cands.reserve(size_t(n * V));
    for (int64_t i = 0; i < n; ++i)
      for (int64_t v = 0; v < V; ++v) cands.push_back({alive[size_t(i)].log_prob + lp[i * V + v], i, v});
    const size_t keep = std::min(cands.size(), 2 * k);
    std::partial_sort(cands.begin(), cands.begin() + std::ptrdiff_t(keep), cands.end(),
                      [](const Candidate& a, const Candidate& b) {
                        if (a.log_prob != b.log_prob) return a.log_prob > b.log_prob;
                        return a.beam != b.beam ? a.beam < b.beam : a.token < b.token;
                      });

    std::vector<Hypothesis> next;
    for (size_t r = 0; r < keep && next.size() < k; ++r) {
      const Candidate& c = cands[r];
      if (c.log_prob == -std::numeric_limits<real>::infinity()) break;  // impossible tokens
      Hypothesis h{alive[size_t(c.beam)].tokens, c.log_prob, 0};
      if (c.token == o.eos) {
        // Only an ending among the k best counts, as a k-wide search would have kept it.
        if (r < k) {
          h.score = length_penalized(h.log_prob, t + 1, o.length_penalty);
          finished.push_back(std::move(h));
        }
        continue;
      }
      h.tokens.push_back(c.token);
      h.score = length_penalized(h.log_prob, t + 1, o.length_penalty);
      next.push_back(std::move(h));
    }
    alive = std::move(next);

    if (finished.size() >= k && !alive.empty()) {
      std::vector<real> scores;
      for (const Hypothesis& h : finished) scores.push_back(h.score);
      std::nth_element(scores.begin(), scores.begin() + std::ptrdiff_t(k - 1), scores.end(), std::greater<>());
      const real kth_best = scores[k - 1];
      real best_alive = alive.front().score;
      for (const Hypothesis& h : alive) best_alive = std::max(best_alive, h.score);
      if (best_alive <= kth_best) alive.clear();
    }
  }
  for (Hypothesis& h : alive) finished.push_back(std::move(h));
  std::stable_sort(finished.begin(), finished.end(),
                   [](const Hypothesis& a, const Hypothesis& b) { return a.score > b.score; });
  if (finished.size() > k) finished.resize(k);
  return finished;
}

}  // namespace atn
