#include "models/toy_attention_lm.h"

#include <sstream>

#include "autograd/ops_basic.h"
#include "data/corpus.h"
#include "nn/attention/masks.h"
#include "tensor/error.h"

namespace atn {

std::vector<int64_t> course_ids(const std::string& text) {
  const std::vector<std::string> vocab = course_vocabulary();
  std::vector<int64_t> ids;
  std::istringstream words(text);
  for (std::string w; words >> w;) {
    int64_t id = -1;
    for (size_t i = 0; i < vocab.size(); ++i)
      if (vocab[i] == w) id = int64_t(i);
    if (id < 0) throw Error("course_ids: \"" + w + "\" is not in the course vocabulary");
    ids.push_back(id);
  }
  return ids;
}

SentenceBatch nine_sentence_batch(int64_t max_len) {
  const std::vector<std::string> sentences = nine_sentences();
  const int64_t b = int64_t(sentences.size()), bos = 0, eos = 1;
  SentenceBatch batch{Tensor::full({b, max_len}, real(eos)), Tensor::full({b, max_len}, -100), {}};
  for (int64_t s = 0; s < b; ++s) {
    const std::vector<int64_t> ids = course_ids(sentences[size_t(s)]);
    const int64_t len = int64_t(ids.size()) + 1;
    if (len > max_len)
      throw Error("nine_sentence_batch: max_len " + std::to_string(max_len) + " is shorter than \"[bos] " +
                  sentences[size_t(s)] + "\" (" + std::to_string(len) + " tokens)");
    batch.lengths.push_back(len);
    batch.x.at({s, 0}) = real(bos);
    for (size_t i = 0; i < ids.size(); ++i) {
      batch.x.at({s, int64_t(i) + 1}) = real(ids[i]);
      batch.y.at({s, int64_t(i)}) = real(ids[i]);
    }
    batch.y.at({s, int64_t(ids.size())}) = real(eos);
  }
  return batch;
}

ToyAttentionLM::ToyAttentionLM(ToyAttentionLMConfig c, Rng& rng)
    : config(c),
      embedding(c.vocab, c.d_model, rng),
      position(c.max_len, c.d_model, rng),
      attn({.d_model = c.d_model, .n_heads = c.n_heads}, rng),
      out(c.d_model, c.vocab, rng) {
  register_module("embedding", embedding);
  register_module("position", position);
  register_module("attn", attn);
  register_module("out", out);
}

Var ToyAttentionLM::forward(const Tensor& ids, Tensor* weights) {
  if (!ids.defined() || ids.dim() != 2)
    throw Error("ToyAttentionLM::forward: expected ids [B, T], got " +
                (ids.defined() ? to_string(ids.shape()) : std::string("an undefined tensor")));
  return forward(ids, config.causal ? causal_mask(ids.size(1)) : Tensor(), weights);
}

Var ToyAttentionLM::forward(const Tensor& ids, const Tensor& mask, Tensor* weights) {
  if (!ids.defined() || ids.dim() != 2)
    throw Error("ToyAttentionLM::forward: expected ids [B, T], got " +
                (ids.defined() ? to_string(ids.shape()) : std::string("an undefined tensor")));
  const Var x = position(embedding(ids));
  AttentionOutput a = attn.forward(x, mask, weights != nullptr);
  if (weights) *weights = a.weights.value();
  return out(x + a.output);
}

}  // namespace atn
