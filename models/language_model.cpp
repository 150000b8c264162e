#include "models/language_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/tape.h"

namespace atn {

Var LanguageModel::loss(const Tensor& idx, const Tensor& targets) {
  if (targets.shape() != idx.shape())
    fail(type_name(), "::loss: targets ", to_string(targets.shape()), " do not match the ids ", to_string(idx.shape()));
  return cross_entropy(forward(idx), targets, {.ignore_index = -1});
}

std::vector<int64_t> LanguageModel::generate(const std::vector<int64_t>& prompt, int64_t n_new,
                                             const GenerateOptions& options, Rng& rng) {
  if (prompt.empty()) fail(type_name(), "::generate: the prompt is empty (give at least one token)");
  if (n_new < 0) fail(type_name(), "::generate: n_new must be >= 0, got ", n_new);
  NoGrad no_grad;
  EvalScope eval_scope(*this);
  std::vector<int64_t> seq = prompt;
  const int64_t V = vocab_size();
  for (int64_t step = 0; step < n_new; ++step) {
    const int64_t len = int64_t(seq.size()), start = std::max<int64_t>(0, len - block_size());
    Tensor window({1, len - start});
    for (int64_t t = start; t < len; ++t) window[t - start] = real(seq[size_t(t)]);
    const int64_t T = len - start;
    Tensor last = forward(window).value().reshape({T, V}).narrow0(T - 1, 1).reshape({V});
    seq.push_back(sample_next_token(last, options, rng));
  }
  return seq;
}

void check_token_ids(const Tensor& idx, int64_t past, int64_t block, int64_t vocab, const std::string& who) {
  if (idx.dim() != 2 || idx.size(1) < 1)
    fail(who, ": token ids must be [B, T] with T >= 1, got ", to_string(idx.shape()));
  const int64_t T = idx.size(1);
  if (past + T > block) fail(who, ": sequence of length ", past + T, " is longer than the block size ", block);
  for (real id : idx)
    if (!(id >= 0 && id < real(vocab) && id == std::floor(id)))
      fail(who, ": token id ", id, " is not a whole number in [0, ", vocab, ")");
}

Var embed_tokens(Embedding& wte, Embedding& wpe, const Tensor& idx, int64_t past, const std::string& who) {
  check_token_ids(idx, past, wpe.num_embeddings, wte.num_embeddings, who);
  const int64_t T = idx.size(1);
  Var tok = wte(idx);                                         // [B, T, d]
  Var pos = wpe(Tensor::arange(real(past), real(past + T)));  // [T, d], broadcast over B
  return tok + pos;
}

int64_t sample_next_token(const Tensor& logits, const GenerateOptions& o, Rng& rng) {
  if (logits.dim() != 1 || logits.numel() < 1)
    fail("sample_next_token: logits must be [V], got ", to_string(logits.shape()));
  if (!(o.temperature >= 0)) fail("sample_next_token: temperature must be >= 0, got ", o.temperature);
  if (o.top_k < 0) fail("sample_next_token: top_k must be >= 0, got ", o.top_k);
  if (!(o.top_p > 0 && o.top_p <= 1)) fail("sample_next_token: top_p must be in (0, 1], got ", o.top_p);
  const int64_t V = logits.numel();
  bool any_finite = false;
  for (real v : logits) {
    if (std::isnan(v) || v == std::numeric_limits<real>::infinity())
      fail("sample_next_token: logit ", v, " (only finite values and -inf, for excluded tokens, can be sampled from)");
    any_finite = any_finite || std::isfinite(v);
  }
  if (!any_finite) fail("sample_next_token: every logit is -inf, nothing can be sampled");
  if (o.temperature == 0) return int64_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
  std::vector<double> z(logits.begin(), logits.end());
  for (double& v : z) v /= o.temperature;
  // Indices from most to least likely (stable: ties keep the lower index first).
  std::vector<int64_t> order(size_t(V), 0);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return z[size_t(a)] > z[size_t(b)]; });
  std::vector<bool> keep(size_t(V), true);
  if (o.top_k > 0 && o.top_k < V) {
    const double kth = z[size_t(order[size_t(o.top_k - 1)])];
    for (int64_t i = 0; i < V; ++i) keep[size_t(i)] = z[size_t(i)] >= kth;  // nanoGPT: logits < v[-1] → −inf
  }
  // Softmax over the kept tokens.
  const double top = z[size_t(order[0])];
  std::vector<double> p(size_t(V), 0.0);
  double total = 0;
  for (int64_t i = 0; i < V; ++i)
    if (keep[size_t(i)]) total += p[size_t(i)] = std::exp(z[size_t(i)] - top);
  if (o.top_p < 1) {
    // Nucleus sampling (Holtzman et al. 2020): walk down the sorted list and keep tokens until
    // the kept mass reaches top_p; the token that crosses it is kept, so at least one remains.
    double mass = 0;
    bool reached = false;
    for (int64_t r : order) {
      if (!keep[size_t(r)]) continue;
      if (reached) keep[size_t(r)] = false;
      mass += p[size_t(r)] / total;
      reached = reached || mass >= o.top_p;
    }
  }
  std::vector<real> weights(size_t(V), 0);
  for (int64_t i = 0; i < V; ++i)
    if (keep[size_t(i)]) weights[size_t(i)] = real(p[size_t(i)]);
  return rng.categorical(weights);
}

}  // namespace atn
