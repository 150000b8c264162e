// DATVision: the vision Dual Attention Transformer (ViDAT; Altabaa & Lafferty, arXiv:2405.16727,
// upstream vision_models.py; specs/dual-attention.md), rebuilt from its description. A ViT whose
// encoder blocks are the non-causal dual-attention blocks of models/dat_lm.h:
//
//   tokens = LN_b(Linear(LN_a(patches_hwc(x))))          [B, N, d]   (N = (H/P)·(W/P))
//   z0     = [cls; tokens] + pos                          [B, N + 1, d]
//   z      = blocks(z0)                                   DATBlock(causal = false), shared retriever
//   y      = head(pool(norm(z)))                          pool: the [CLS] row, or the mean of all rows
//
// Patches are flattened in (row in patch, column in patch, channel) order, as upstream's
// rearrange 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)'; models/vit.h's patchify uses (channel,
// row, column), timm's convolution order. With one channel the two agree. The LayerNorm on the
// raw patch features and the one after the projection follow upstream (the "dual PatchNorm" of
// Kumar et al. 2023); ViT has neither.
//
// The blocks, the retriever (one for all blocks, recomputed from each block's input, before any
// norm) and their init are DATLM's (init_dat_block, init_dat_retriever): Linear weights N(0, 0.02),
// W_o and the FF output N(0, 0.02/√(2·n_layer)). The patch projection and the head are Linear
// weights of the model, N(0, 0.02) with zero biases; the [CLS] token and the positions N(0, 0.02)
// as ViT (the spec gives no std for them). The spec lists no final norm; a pre-norm stack leaves
// the residual stream unnormalized, so pre-norm models end with `norm` before pooling, as ViT and
// DATLM do; post-norm blocks already end normalized and have no `norm`.
//
// With n_heads_ra = 0 there is no retriever and no RA: a ViT-style encoder (tests check it against
// ViT's own blocks). Names: cls_token [1, 1, d], pos_embed [1, N + 1, d], patch_norm_in,
// patch_embed, patch_norm_out, blocks.{i}.{norm1, dual_attn, norm2, ff}, symbol_retriever.*,
// norm, head.
#pragma once
#include <memory>
#include <vector>

#include "models/dat_seq2seq.h"  // DATEncoderBlock: DATLM's block without the causal mask
#include "models/vit.h"

namespace atn {

enum class DATPool { cls, mean };

struct DATVisionConfig {
  int64_t image_height = 16, image_width = 16;  // multiples of patch
  int64_t patch = 4, channels = 1, n_classes = 10;
  int64_t n_layer = 2;
  DATPool pool = DATPool::cls;
  // d_model, heads, relations, symbols, post_norm, swiglu (its vocab, block and n_layer are unused:
  // the sequence is the N + 1 tokens and the depth is n_layer above).
  DATConfig block{.d_model = 64, .n_heads_sa = 2, .n_heads_ra = 2};
};

// images [B, C, H, W] → patches [B, (H/P)·(W/P), P·P·C]: patch n = row-major over the grid
// (n = gy·(W/P) + gx), its features in (row in patch, column in patch, channel) order. H and W
// must be multiples of P. A plain tensor function: the pixels receive no gradient.
inline Tensor patchify_hwc(const Tensor& images, int64_t patch) {
  return patchify(images, patch, PatchOrder::row_col_channel);
}

class DATVision : public Module {
 public:
  DATVision(const DATVisionConfig& config, Rng& rng);
  const DATVisionConfig& config() const { return cfg_; }
  int64_t num_patches() const;

  // [B, C, H, W] → logits [B, n_classes]; weights, if given, receives every block's attention.
  Var forward(const Tensor& images, std::vector<DualAttentionWeights>* weights = nullptr);
  Var loss(const Tensor& images, const Tensor& labels);  // mean cross-entropy, labels [B]
  std::string type_name() const override { return "DATVision"; }

  DATBlock& block(int64_t i) { return blocks[i]; }
  SymbolRetriever* symbol_retriever() { return retriever_.get(); }  // null when n_heads_ra = 0

 private:
  DATVisionConfig cfg_;

 public:
  Var cls_token, pos_embed;
  LayerNormOptionalBias patch_norm_in;
  Linear patch_embed;
  LayerNormOptionalBias patch_norm_out;
  ListOf<DATEncoderBlock> blocks;
  std::unique_ptr<LayerNormOptionalBias> norm;  // null with post-norm blocks

 private:
  std::unique_ptr<SymbolRetriever> retriever_;

 public:
  Linear head;
};

}  // namespace atn
