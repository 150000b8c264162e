// GPT generation (models/gpt.h): the KV cache against the full forward, determinism, the cache
// changing nothing (also past the block size), and the top-k / top-p restrictions.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "autograd/tape.h"
#include "models/gpt.h"

namespace atn {
namespace {

GPTConfig tiny() { return {.vocab = 11, .block = 8, .n_layer = 2, .n_head = 2, .d_model = 8}; }

Tensor ids(std::vector<real> values, int64_t B, int64_t T) { return Tensor::from(std::move(values), {B, T}); }

Tensor random_ids(int64_t B, int64_t T, int64_t V, Rng& rng) {
  Tensor t({B, T});
  for (real& v : t) v = real(rng.below(uint64_t(V)));
  return t;
}

TEST(GPTGenerate, CachedForwardMatchesFullForward) {
  Rng rng(9);
  GPT gpt(tiny(), rng);
  for (Var& p : gpt.parameters()) p.value().copy_from(Tensor::randn(p.shape(), rng, 0, 0.3f));
  NoGrad no_grad;
  Tensor x = random_ids(2, 8, 11, rng);
  Tensor full = gpt.forward(x).value();
  KVCache cache(2);
  std::vector<Tensor> parts;
  int64_t t = 0;
  for (int64_t n : {3, 1, 2, 2}) {  // a prompt of 3, then pieces
    Tensor piece({2, n});
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t i = 0; i < n; ++i) piece[b * n + i] = x[b * 8 + t + i];
    Tensor out = gpt.forward_cached(piece, cache).value();
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t i = 0; i < n; ++i)
        for (int64_t v = 0; v < 11; ++v)
          EXPECT_NEAR(out[(b * n + i) * 11 + v], full[(b * 8 + t + i) * 11 + v], 1e-5f);
    t += n;
  }
  EXPECT_EQ(cache.length(), 8);
  EXPECT_THROW(gpt.forward_cached(ids({1, 1}, 2, 1), cache), Error);  // past the block
}

TEST(GPTGenerate, GenerationIsDeterministicAndTheCacheChangesNothing) {
  Rng rng(10);
  GPT gpt(tiny(), rng);
  for (Var& p : gpt.parameters()) p.value().copy_from(Tensor::randn(p.shape(), rng, 0, 0.3f));
  const std::vector<int64_t> prompt = {1, 2, 3};
  for (GenerateOptions o : {GenerateOptions{}, GenerateOptions{.temperature = 0.8f, .top_k = 4},
                            GenerateOptions{.top_p = 0.7f}, GenerateOptions{.temperature = 0}}) {
    o.use_kv_cache = true;
    Rng r1(11), r2(11), r3(11);
    const auto with = gpt.generate(prompt, 14, o, r1);  // 17 tokens: well past block = 8
    const auto again = gpt.generate(prompt, 14, o, r2);
    o.use_kv_cache = false;
    const auto without = gpt.generate(prompt, 14, o, r3);
    ASSERT_EQ(with.size(), 17u);
    EXPECT_EQ(std::vector<int64_t>(with.begin(), with.begin() + 3), prompt);
    EXPECT_EQ(with, again);
    EXPECT_EQ(with, without);
    for (int64_t id : with) EXPECT_TRUE(id >= 0 && id < 11);
  }
  EXPECT_TRUE(gpt.training());  // generate restores the mode
  Rng r(1);
  EXPECT_THROW(gpt.generate({}, 3, {}, r), Error);
  EXPECT_THROW(gpt.generate({1, 11}, 3, {}, r), Error);
  EXPECT_THROW(gpt.generate({1}, 3, {.temperature = -1}, r), Error);
}

TEST(GPTGenerate, TopKAndTopPNeverSampleOutside) {
  // Probabilities 0.4, 0.3, 0.2, 0.1 in a shuffled order.
  Tensor logits = Tensor::from({std::log(0.2f), std::log(0.4f), std::log(0.1f), std::log(0.3f)});
  Rng rng(12);
  std::set<int64_t> seen_k2, seen_p65, seen_p35, seen_all;
  for (int i = 0; i < 2000; ++i) {
    seen_k2.insert(sample_next_token(logits, {.top_k = 2}, rng));
    seen_p65.insert(sample_next_token(logits, {.top_p = 0.65f}, rng));
    seen_p35.insert(sample_next_token(logits, {.top_p = 0.35f}, rng));
    seen_all.insert(sample_next_token(logits, {}, rng));
  }
  EXPECT_EQ(seen_k2, (std::set<int64_t>{1, 3}));
  EXPECT_EQ(seen_p65, (std::set<int64_t>{1, 3}));  // 0.4 + 0.3 ≥ 0.65
  EXPECT_EQ(seen_p35, (std::set<int64_t>{1}));     // 0.4 ≥ 0.35 already
  EXPECT_EQ(seen_all, (std::set<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(sample_next_token(logits, {.temperature = 0}, rng), 1);
  // Ties with the k-th value are kept, as nanoGPT's `logits < v[-1]`.
  Tensor tied = Tensor::from({1, 2, 2, 0});
  std::set<int64_t> seen_tie;
  for (int i = 0; i < 500; ++i) seen_tie.insert(sample_next_token(tied, {.top_k = 1}, rng));
  EXPECT_EQ(seen_tie, (std::set<int64_t>{1, 2}));
  EXPECT_THROW(sample_next_token(logits, {.top_p = 0}, rng), Error);
  EXPECT_THROW(sample_next_token(logits, {.top_k = -1}, rng), Error);
}

}  // namespace
}  // namespace atn
