// Embedding: a learned lookup table from token ids to vectors, as torch.nn.Embedding.
#pragma once
#include "nn/layer.h"
#include "tensor/rng.h"

namespace atn {

// weight [num_embeddings, embedding_dim], initialized N(0, 1) as PyTorch does. forward(ids)
// with ids of any shape holding whole numbers in [0, num_embeddings) returns
// ids.shape + [embedding_dim]: row ids[...] of the table for every id. It is the same as
// multiplying a one-hot vector by the table, without building the one-hot; the backward adds
// each position's gradient into its row (a row used twice gets both). Ids are constants:
// they receive no gradient. Not offered: padding_idx, max_norm.
class Embedding : public Layer {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, Rng& rng);
  Var forward(const Tensor& ids);
  Var forward(const Var& ids) override;  // as a Layer (e.g. first in a Sequential): ids.value()
  using Layer::operator();
  Var operator()(const Tensor& ids) { return forward(ids); }
  std::string type_name() const override;

  int64_t num_embeddings, embedding_dim;
  Var weight;
};

}  // namespace atn
