// Beam search: decoding that keeps the k most probable prefixes instead of only the best one.
//
// Greedy decoding picks the most probable next token at every step, which need not give the
// most probable sequence: a token that looks best now may lead only to unlikely continuations.
// Beam search keeps k hypotheses (prefixes with their log-probability log p(y_1 … y_t | x));
// at each step it extends every one by every token, and keeps the k best of the k·V extensions.
// A hypothesis that emits eos is finished and set aside. With k = 1 it is greedy decoding.
//
// The search knows nothing about models: it asks `next_log_probs` for the log-probabilities of
// the next token after each of a batch of prefixes, so any decoder can use it.
//
// Length penalty (Wu et al. 2016, GNMT, §7): log-probabilities only fall as a sequence grows, so
// a raw sum favours short outputs; with α > 0 hypotheses are ranked by
//   score = log p(Y) / lp(Y),   lp(Y) = ((5 + |Y|) / 6)^α,   |Y| = tokens generated (eos included).
// α = 0 (the default) ranks by log p(Y) itself.
#pragma once
#include <functional>
#include <vector>

#include "tensor/tensor.h"

namespace atn {

struct BeamSearchOptions {
  int64_t beam_size = 4;
  int64_t max_len = 20;  // tokens generated after bos, at most
  int64_t bos = 1;
  int64_t eos = -1;  // < 0: no end token; every hypothesis runs to max_len
  real length_penalty = 0;
};

struct Hypothesis {
  std::vector<int64_t> tokens;  // generated tokens: without bos, without eos
  real log_prob = 0;            // log p(tokens, and eos if it ended with one)
  real score = 0;               // log_prob with the length penalty applied
};

// prefixes [k, t] of token ids, each row starting with bos → [k, V] log-probabilities of the
// next token (rows summing to 1 after exp).
using NextTokenLogProbs = std::function<Tensor(const Tensor& prefixes)>;

// The beam_size best hypotheses found, best first. Ties are broken towards the earlier
// hypothesis and the smaller token id, so beam_size = 1 gives exactly greedy decoding (argmax
// takes the first maximum). The search stops when every hypothesis has ended, at max_len, or
// once beam_size hypotheses have ended and no unfinished one scores better than the worst of
// them (exact for α = 0, since extending a prefix never raises its log-probability).
std::vector<Hypothesis> beam_search(const NextTokenLogProbs& next_log_probs, const BeamSearchOptions& options);

}  // namespace atn
