#include "nn/embedding.h"

#include "autograd/ops_shape.h"
#include "nn/init.h"

namespace atn {

Embedding::Embedding(int64_t num, int64_t dim, Rng& rng) : num_embeddings(num), embedding_dim(dim) {
  if (num < 1 || dim < 1) fail("Embedding: sizes must be positive, got num_embeddings=", num, " embedding_dim=", dim);
  Tensor w({num, dim});
  init::normal(w, rng, 0, 1);
  register_parameter("weight", weight, w);
}

// The op checks every id (a whole number in range) and names the bad one.
Var Embedding::forward(const Tensor& ids) { return embedding(weight, ids); }

Var Embedding::forward(const Var& ids) {
  if (ids.requires_grad())
    fail("Embedding: ids of shape ", to_string(ids.shape()), " require a gradient; ids are indices, not values");
  return forward(ids.value());
}

std::string Embedding::type_name() const {
  return "Embedding(" + std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim) + ")";
}

}  // namespace atn
