// ViT, the Vision Transformer (Dosovitskiy et al. 2021, "An Image is Worth 16x16 Words"):
// an image cut into non-overlapping P×P patches is read as a sequence of N = (H/P)·(W/P)
// tokens, each the Linear projection of its flattened pixels; a learned [CLS] token goes in
// front, learned positions are added, pre-norm encoder blocks mix the tokens, and the final
// [CLS] vector is classified:
//
//   z0 = [cls; patches(x) W_pᵀ + b_p] + pos          [B, N + 1, d]
//   y  = head(norm(blocks(z0))[:, 0])                 [B, n_classes]
//
// The blocks are the pre-norm blocks of models/transformer_block.h (no mask). The patch
// projection as a Linear on flattened patches equals timm's Conv2d with kernel = stride = P
// (weight [d, C, P, P] reshaped to [d, C·P·P]), since each patch is flattened in (c, row, col) order.
// Parameter names: cls_token [1, 1, d], pos_embed [1, N + 1, d], patch_embed, blocks.{i}.…,
// norm, head (timm's names, with our block's inner names).
#pragma once
#include "models/transformer_block.h"

namespace atn {

struct ViTConfig {
  int64_t image_size = 16, patch = 4, channels = 1, n_classes = 10;
  int64_t d_model = 64, n_layer = 2, n_head = 4;
  real dropout = 0;
  bool bias = true;
};

// images [B, C, H, W] → patches [B, (H/P)·(W/P), C·P·P]: patch n = row-major over the grid
// (n = gy·(W/P) + gx), its features in (channel, row in patch, column in patch) order.
// H and W must be multiples of P. A plain tensor function: the pixels receive no gradient.
// PatchOrder::row_col_channel orders each patch's features (row in patch, column in patch,
// channel) instead, as the Dual Attention Transformer's vision model does (models/dat_vision.h).
enum class PatchOrder { channel_row_col, row_col_channel };
Tensor patchify(const Tensor& images, int64_t patch, PatchOrder order = PatchOrder::channel_row_col);

class ViT : public Module {
 public:
  // Linear weights, cls_token and pos_embed N(0, 0.02); biases 0.
  ViT(const ViTConfig& cfg, Rng& rng);
  const ViTConfig& config() const { return cfg_; }
  int64_t num_patches() const;

  Var forward(const Tensor& images);  // [B, C, H, W] → logits [B, n_classes]
  Var loss(const Tensor& images, const Tensor& labels);  // mean cross-entropy, labels [B]

  Rng& dropout_rng() { return dropout_rng_; }
  std::string type_name() const override { return "ViT"; }

 private:
  ViTConfig cfg_;
  Rng dropout_rng_;

 public:
  Linear patch_embed;
  Var cls_token, pos_embed;
  Dropout drop;
  BlockList blocks;
  LayerNormOptionalBias norm;
  Linear head;
};

}  // namespace atn
