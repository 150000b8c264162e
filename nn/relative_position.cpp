#include "nn/relative_position.h"

#include <algorithm>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "nn/init.h"

namespace atn {

RelativePositionEmbedding::RelativePositionEmbedding(int64_t k, int64_t d, Rng& rng)
    : max_relative_position(k), d_head(d) {
  if (k < 0 || d < 1)
    fail("RelativePositionEmbedding: need max_relative_position >= 0 and d_head >= 1, got ", k, " and ", d);
  Tensor wk({2 * k + 1, d}), wv({2 * k + 1, d});
  init::gpt2(wk, rng);  // N(0, 0.02)
  init::gpt2(wv, rng);
  register_parameter("key_table", key_table, wk);
  register_parameter("value_table", value_table, wv);
}

Tensor RelativePositionEmbedding::indices(int64_t Lq, int64_t Lk, int64_t q_offset) const {
  if (Lq < 1 || Lk < 1 || q_offset < 0)
    fail("RelativePositionEmbedding: need Lq >= 1, Lk >= 1 and q_offset >= 0, got Lq=", Lq, " Lk=", Lk,
         " q_offset=", q_offset);
  const int64_t k = max_relative_position;
  Tensor idx({Lq, Lk});
  for (int64_t i = 0; i < Lq; ++i)
    for (int64_t j = 0; j < Lk; ++j) idx[i * Lk + j] = real(std::clamp(j - (q_offset + i), -k, k) + k);
  return idx;
}

// embedding() picks row idx[i][j] for every pair; its backward adds each pair's gradient back
// into that row, so a row shared by many pairs (the clipped ones) collects all of theirs.
Var RelativePositionEmbedding::key_embeddings(int64_t Lq, int64_t Lk, int64_t q_offset) const {
  return embedding(key_table, indices(Lq, Lk, q_offset));
}

Var RelativePositionEmbedding::value_embeddings(int64_t Lq, int64_t Lk, int64_t q_offset) const {
  return embedding(value_table, indices(Lq, Lk, q_offset));
}

Var RelativePositionEmbedding::score_bias(const Var& q, int64_t Lk, int64_t q_offset) const {
  if (q.dim() < 2 || q.size(-1) != d_head)
    fail("RelativePositionEmbedding::score_bias: q ", to_string(q.shape()),
         " is not [..., Lq, d_head] with d_head=", d_head);
  const Var a = key_embeddings(q.size(-2), Lk, q_offset);  // [Lq, Lk, dh]
  // For each i, the row q_i [1, dh] times a_iᵀ [dh, Lk]: a batch of Lq small matmuls, the batch
  // axis i shared by q [..., Lq, 1, dh] and a [Lq, Lk, dh] (the leading axes broadcast).
  return squeeze(matmul(unsqueeze(q, -2), a, false, true), -2);  // [..., Lq, 1, Lk] → [..., Lq, Lk]
}

Var RelativePositionEmbedding::value_term(const Var& attn, int64_t q_offset) const {
  if (attn.dim() < 2)
    fail("RelativePositionEmbedding::value_term: attn ", to_string(attn.shape()), " is not [..., Lq, Lk]");
  const Var a = value_embeddings(attn.size(-2), attn.size(-1), q_offset);  // [Lq, Lk, dh]
  // For each i, the weights α_i [1, Lk] times a_i [Lk, dh]: Σ_j α_ij a^V_ij.
  return squeeze(matmul(unsqueeze(attn, -2), a), -2);  // [..., Lq, 1, dh] → [..., Lq, dh]
}

std::string RelativePositionEmbedding::type_name() const {
  return "RelativePositionEmbedding(k=" + std::to_string(max_relative_position) + ", d_head=" + std::to_string(d_head) +
         ")";
}

}  // namespace atn
