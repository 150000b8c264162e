// The two layers of the Transformer encoder–decoder (Vaswani et al. 2017, §3.1), each a stack
// of sublayers wrapped in a residual connection with layer normalization:
//
//   encoder layer:  self-attention over the source (padding hidden), then the feed-forward block
//   decoder layer:  causal self-attention over the target prefix, then cross-attention (queries
//                   from the decoder, keys and values from the encoder's output, the "memory"),
//                   then the feed-forward block
//
// Where the LayerNorm sits is the one choice (Xiong et al. 2020, "On Layer Normalization in
// the Transformer Architecture"):
//   Post (the paper):           x ← LayerNorm(x + Dropout(sublayer(x)))
//   Pre  (Annotated Transformer, GPT-2): x ← x + Dropout(sublayer(LayerNorm(x)))
// Pre-norm leaves the residual stream un-normalized, so the stacks end with one more LayerNorm
// (models/transformer.h); it trains without the warmup that post-norm needs at depth.
//
// Names: self_attn.*, cross_attn.* (MultiHeadAttention's wq, wk, wv, wo), ff.fc1, ff.fc2,
// norm1, norm2 (and norm3 in the decoder), one norm per sublayer, in order.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nn/attention/multi_head.h"
#include "nn/feed_forward.h"
#include "nn/norm.h"

namespace atn {

enum class NormPosition { Post, Pre };

struct TransformerLayerConfig {
  int64_t d_model = 512;
  int64_t n_heads = 8;
  int64_t d_ff = 2048;
  real dropout = 0.1f;  // on each sublayer's output and on the attention weights
  NormPosition norm = NormPosition::Post;
};

// rng initializes the weights and, if dropout > 0, draws the dropout masks: it is kept by
// reference and must then outlive the layer.
class TransformerEncoderLayer : public Module {
 public:
  TransformerEncoderLayer(const TransformerLayerConfig& config, Rng& rng);
  // x [B, S, d]; src_mask broadcasts to [B, H, S, S] (padding_mask(keep) gives [B, 1, 1, S]) or
  // is undefined.
  Var forward(const Var& x, const Tensor& src_mask);
  std::string type_name() const override { return "TransformerEncoderLayer"; }

  const TransformerLayerConfig config;
  MultiHeadAttention self_attn;
  FeedForward ff;
  LayerNorm norm1, norm2;
  Dropout dropout;
};

struct DecoderLayerOutput {
  Var output;         // [B, T, d]
  Var cross_weights;  // [B, H, T, S] if asked for, else undefined
};

class TransformerDecoderLayer : public Module {
 public:
  TransformerDecoderLayer(const TransformerLayerConfig& config, Rng& rng);
  // x [B, T, d] (the target prefix), memory [B, S, d] (the encoder's output); self-attention is
  // causal, and src_mask hides padded source positions from the cross-attention.
  DecoderLayerOutput forward(const Var& x, const Var& memory, const Tensor& src_mask, bool need_weights = false);
  std::string type_name() const override { return "TransformerDecoderLayer"; }

  const TransformerLayerConfig config;
  MultiHeadAttention self_attn, cross_attn;
  FeedForward ff;
  LayerNorm norm1, norm2, norm3;
  Dropout dropout;
};

// A list of layers registered under their positions "0", "1", … (torch.nn.ModuleList), so a
// stack's parameters read "encoder.layers.0.self_attn.wq.weight".
template <class M>
class LayerStack : public Module {
 public:
  M& add(std::unique_ptr<M> layer) {
    items_.push_back(std::move(layer));
    register_module(std::to_string(items_.size() - 1), *items_.back());
    return *items_.back();
  }
  size_t size() const { return items_.size(); }
  M& operator[](size_t i) { return *items_.at(i); }
  std::string type_name() const override { return "LayerStack"; }

 private:
  std::vector<std::unique_ptr<M>> items_;
};

// The stacks: "layers.{i}.*" and, for pre-norm, the final "norm.*" (the residual stream of a
// pre-norm stack is never normalized otherwise).
class TransformerEncoder : public Module {
 public:
  TransformerEncoder(const TransformerLayerConfig& config, int64_t n_layers, Rng& rng);
  Var forward(const Var& x, const Tensor& src_mask);
  std::string type_name() const override { return "TransformerEncoder"; }

  LayerStack<TransformerEncoderLayer> layers;
  std::unique_ptr<LayerNorm> norm;  // pre-norm only
};

struct DecoderOutput {
  Var output;                      // [B, T, d]
  std::vector<Var> cross_weights;  // per layer [B, H, T, S], if asked for
};

class TransformerDecoder : public Module {
 public:
  TransformerDecoder(const TransformerLayerConfig& config, int64_t n_layers, Rng& rng);
  DecoderOutput forward(const Var& x, const Var& memory, const Tensor& src_mask, bool need_weights = false);
  std::string type_name() const override { return "TransformerDecoder"; }

  LayerStack<TransformerDecoderLayer> layers;
  std::unique_ptr<LayerNorm> norm;  // pre-norm only
};

}  // namespace atn
