// The course's toy language model with masked multi-head attention (lessons 07, 08 and 10): the
// nine sentences as a padded batch, and a one-layer model small enough to train in a second.
//
//   logits = W_out (x + MultiHeadAttention(x, mask)) + b,   x = embedding(ids) + learned position
//
// The course's notebooks add a LayerNorm and a feed-forward block; this is the smallest model in
// which the masks, the heads and the optimizers of those lessons show. With `causal` the mask is
// the causal one; forward(ids, mask) takes any mask instead, e.g. one window per head
// ([H, T, T], which broadcasts over the batch: lesson 08's "head h sees h + 1 tokens").
#pragma once
#include <string>
#include <vector>

#include "nn/attention/multi_head.h"
#include "nn/embedding.h"
#include "nn/linear.h"
#include "nn/positional.h"

namespace atn {

// The nine sentences of the course (data/corpus.h) for next-word training, with the ids of
// course_vocabulary(): x = [bos] + sentence padded with [eos], y = sentence + [eos] padded with
// -100 (cross_entropy's ignore_index), both [9, max_len].
struct SentenceBatch {
  Tensor x, y;
  std::vector<int64_t> lengths;  // tokens of each x before the padding
};
// max_len must hold the longest sentence plus [bos] (7); Error otherwise.
SentenceBatch nine_sentence_batch(int64_t max_len = 7);
// "[bos] un gato come" → ids in course_vocabulary(); Error naming an unknown word.
std::vector<int64_t> course_ids(const std::string& text);

struct ToyAttentionLMConfig {
  int64_t vocab = 15;   // course_vocabulary().size()
  int64_t max_len = 7;  // positions
  int64_t d_model = 16;
  int64_t n_heads = 2;
  bool causal = true;
};

class ToyAttentionLM : public Module {
 public:
  // Parameters drawn from rng in this order: embedding, position, attention, output.
  ToyAttentionLM(ToyAttentionLMConfig config, Rng& rng);
  // ids [B, T] (T ≤ max_len) → logits [B, T, vocab]. With `weights`, also the attention weights
  // [B, n_heads, T, T]. The causal mask when config.causal, none otherwise.
  Var forward(const Tensor& ids, Tensor* weights = nullptr);
  // The same with `mask` (1 = may attend) in place of the configured one: any shape that
  // broadcasts to [B, n_heads, T, T].
  Var forward(const Tensor& ids, const Tensor& mask, Tensor* weights = nullptr);
  std::string type_name() const override { return "ToyAttentionLM"; }

  const ToyAttentionLMConfig config;
  Embedding embedding;
  LearnedPositionalEmbedding position;
  MultiHeadAttention attn;
  Linear out;
};

}  // namespace atn
