// Relative position representations (Shaw, Uszkoreit & Vaswani 2018, "Self-Attention with
// Relative Position Representations").
//
// Instead of adding a vector per absolute position to the input, attention itself learns a
// vector per *offset* j − i between query i and key j, clipped to [−k, k]:
//   e_ij = q_i · (k_j + a^K_ij) / √d_head       (eq. 4: the scores)
//   z_i  = Σ_j α_ij (v_j + a^V_ij)              (eq. 3: the outputs)
//   a^K_ij = w^K[clip(j − i, −k, k)],  a^V_ij = w^V[clip(j − i, −k, k)]   (eq. 5–6)
// so only 2k+1 vectors per table exist: every offset beyond the clip shares the last one
// (the paper argues precise positions stop mattering beyond some distance, and clipping lets
// the model run on lengths not seen in training).
//
// The attention module computes q·kᵀ and α·v itself and adds the two extra terms given here.
// Both follow the paper's section 3.3: the table a_ij [Lq, Lk, d_head] is shared by every
// batch element and head, so q_i·a_ij for all i is one batched matmul over i. That costs
// O(Lq·Lk·d_head) memory for the gathered table, fine at the course's sizes.
#pragma once
#include "nn/module.h"
#include "tensor/rng.h"

namespace atn {

class RelativePositionEmbedding : public Module {
 public:
  // k = max_relative_position (k ≥ 0); tables [2k+1, d_head], initialized N(0, 0.02) like
  // the learned absolute positions. Row r holds offset r − k.
  RelativePositionEmbedding(int64_t max_relative_position, int64_t d_head, Rng& rng);

  // Row of the tables for each (query i, key j): clip(j − i, −k, k) + k, as a [Lq, Lk] tensor
  // of whole numbers. Query i sits at position q_offset + i and key j at position j; with a
  // KV cache the Lq new queries are the last ones, so q_offset = Lk − Lq.
  Tensor indices(int64_t Lq, int64_t Lk, int64_t q_offset = 0) const;

  // The tables gathered per pair: a^K / a^V [Lq, Lk, d_head] (lesson 04 prints these).
  Var key_embeddings(int64_t Lq, int64_t Lk, int64_t q_offset = 0) const;
  Var value_embeddings(int64_t Lq, int64_t Lk, int64_t q_offset = 0) const;

  // The extra score term: q [..., Lq, d_head] → [..., Lq, Lk] with out[.., i, j] = q_i · a^K_ij.
  // Add it to q·kᵀ before scaling by 1/√d_head (eq. 4 scales both).
  Var score_bias(const Var& q, int64_t Lk, int64_t q_offset = 0) const;
  // The extra value term: attention weights α [..., Lq, Lk] → [..., Lq, d_head] with
  // out[.., i, :] = Σ_j α_ij a^V_ij. Add it to α·v.
  Var value_term(const Var& attn, int64_t q_offset = 0) const;

  std::string type_name() const override;

  int64_t max_relative_position, d_head;
  Var key_table, value_table;  // w^K, w^V: [2k+1, d_head]
};

}  // namespace atn
