// Multi-head attention (Vaswani et al. 2017, §3.2.2), with the variants the course and modern
// models use: the course's full-width heads, grouped-query and multi-query attention, RoPE,
// ALiBi and Shaw's relative positions, masks, attention dropout and a KV cache.
//
//   head_h = softmax(q_h k_gᵀ/√d_head + position terms, masked) v_g,  g = the K/V head of h
//   output = concat(head_1, …, head_H) W_oᵀ + b_o
//
// Two ways to cut the heads (lesson 06 compares them; the code path is the same):
//   Split     (standard): each head works in d_head = d_model / n_heads dimensions, so all the
//             heads together cost as much as one full-width head: 4·d² + 4·d parameters.
//   FullWidth (the course's notebooks): each head maps d → d on its own, d_head = d_model; the
//             H outputs are concatenated (H·d) and the output projection maps H·d → d.
//             Parameters: H·3·d² (Q, K, V) + H·d² + d (output), with qkv_bias = false.
// Either way the per-head projections are stored as one Linear d → H·d_head (head h uses rows
// h·d_head … (h+1)·d_head − 1 of its weight): the same numbers as H separate matrices, one matmul.
//
// Grouped-query attention (Ainslie et al. 2023, GQA): n_kv_heads < n_heads key/value heads,
// each shared by a group of G = n_heads / n_kv_heads consecutive query heads (query head h uses
// K/V head h / G, as LLaMA's repeat_kv). n_kv_heads = 1 is multi-query attention (Shazeer 2019).
// We do not copy K and V G times: the queries are viewed as [B, H_kv, G, T, d_head] and the
// keys as [B, H_kv, 1, T, d_head], and the batched matmul broadcasts the group axis.
//
// Parameter names (as LLaMA and the course's GPT, "blocks.0.attn.wq.weight"): wq, wk, wv, wo,
// each a Linear ("wq.weight", "wq.bias", ...), and for Shaw positions "rel_pos.key_table",
// "rel_pos.value_table". PyTorch's nn.MultiheadAttention packs Q, K, V into one in_proj_weight
// [3d, d] (same numbers, rows stacked q, k, v) and calls the output out_proj.
#pragma once
#include <memory>

#include "nn/alibi.h"
#include "nn/attention/kv_cache.h"
#include "nn/dropout.h"
#include "nn/linear.h"
#include "nn/relative_position.h"
#include "nn/rope.h"

namespace atn {

enum class HeadStyle { Split, FullWidth };
enum class AttentionPositions { None, RoPE, ALiBi, Shaw };

struct MultiHeadAttentionConfig {
  int64_t d_model = 0;
  int64_t n_heads = 1;
  int64_t n_kv_heads = 0;  // 0 means n_heads; must divide n_heads
  HeadStyle head_style = HeadStyle::Split;
  // Biases of wq, wk, wv and of wo. Default on, as PyTorch's nn.MultiheadAttention; the course's
  // heads have none on Q, K, V but keep the output bias (qkv_bias = false); LLaMA has neither.
  bool qkv_bias = true;
  bool out_bias = true;
  // Dropout on the attention weights (after the softmax, before they mix the values), only in
  // training (train()/eval()). The masks come from the Rng given to the constructor.
  real dropout = 0;
  AttentionPositions positions = AttentionPositions::None;
  int64_t max_relative_position = 16;  // Shaw's clip k
  double rope_base = 10000;
  bool causal = false;  // query i may attend only to keys j ≤ i (forward_incremental always is)
  // Plain attention (no positions, n_kv_heads = n_heads, no dropout in training, no cache)
  // called without need_weights runs the fused op on the projections as they come, heads read
  // in place and written merged (nn/attention/sdpa_heads.h): faster, and equal to the steps
  // spelled out up to float rounding, which is why it is not the default: the output's last
  // bits would then depend on whether the weights were asked for.
  bool fused_heads = false;
};

struct AttentionOutput {
  Var output;  // [B, Tq, d_model]
  // [B, n_heads, Tq, Tk], undefined unless requested. The softmax itself, before dropout, so
  // that rows sum to 1 and heatmaps show what each head looks at (PyTorch returns them after
  // dropout and, by default, averaged over the heads). A Var of the graph: a loss may use it.
  Var weights;
};

class MultiHeadAttention : public Module {
 public:
  // rng initializes the projections (PyTorch's Linear default) and the Shaw tables, and, if
  // config.dropout > 0, draws the dropout masks: it is kept by reference and must then outlive
  // this module.
  MultiHeadAttention(MultiHeadAttentionConfig config, Rng& rng);

  // Self-attention: queries, keys and values all from x [B, T, d_model].
  // mask: 1 (or any nonzero) = may attend, 0 = blocked, any shape that broadcasts to the scores
  // [B, n_heads, Tq, Tk]: [Tq, Tk] for one pattern, [B, 1, 1, Tk] for padding. Pass Tensor()
  // for none. A query whose keys are all blocked gets zero weights (tensor/softmax.h).
  AttentionOutput forward(const Var& x, const Tensor& mask = Tensor(), bool need_weights = false);
  // Cross-attention: queries from query [B, Tq, d], keys and values from key_value [B, Tk, d]
  // (the encoder's output in an encoder–decoder). Positions count from 0 in both sequences.
  AttentionOutput forward(const Var& query, const Var& key_value, const Tensor& mask = Tensor(),
                          bool need_weights = false);
  // Incremental decoding: x_new [B, T_new, d] are the next tokens of a sequence whose earlier
  // keys and values are in cache.layer(layer); they are appended there, and the new queries
  // attend causally to everything cached. The new tokens sit at positions past … past+T_new−1,
  // past = the cache length, which is what RoPE, ALiBi and Shaw use. mask (optional) broadcasts
  // to [B, n_heads, T_new, past + T_new]. Token by token this gives the same outputs as
  // forward(whole sequence) with causal = true.
  AttentionOutput forward_incremental(const Var& x_new, KVCache& cache, int64_t layer = 0,
                                      const Tensor& mask = Tensor(), bool need_weights = false);

  std::string type_name() const override;

  const MultiHeadAttentionConfig config;
  const int64_t n_heads, n_kv_heads, d_head;
  // wq: d → H·d_head; wk, wv: d → H_kv·d_head; wo: H·d_head → d.
  Linear wq, wk, wv, wo;
  // No parameters; follows train()/eval().
  Dropout attn_dropout;
  // Each defined only for its `positions`.
  std::unique_ptr<RotaryPositionalEmbedding> rope;
  std::unique_ptr<ALiBi> alibi;
  std::unique_ptr<RelativePositionEmbedding> rel_pos;

 private:
  // The whole computation. past = positions already cached (0 without a cache); with a cache
  // entry the new keys and values are appended to it and attention runs over all of it.
  AttentionOutput attend(const Var& query, const Var& key_value, const Tensor& mask, bool causal, bool need_weights,
                         KVCache::Entry* cache);
};

}  // namespace atn
