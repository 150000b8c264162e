#include "models/dat_vision.h"

#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_shape.h"
#include "nn/init.h"
#include "nn/linear_init.h"

namespace atn {

namespace {

DATVisionConfig validated(DATVisionConfig c) {
  if (c.image_height < 1 || c.image_width < 1 || c.patch < 1 || c.channels < 1 || c.n_classes < 1 || c.n_layer < 1)
    fail("DATVision: image_height, image_width, patch, channels, n_classes and n_layer must be positive, got ",
         c.image_height, ", ", c.image_width, ", ", c.patch, ", ", c.channels, ", ", c.n_classes, ", ", c.n_layer);
  if (c.image_height % c.patch != 0 || c.image_width % c.patch != 0)
    fail("DATVision: patch=", c.patch, " must divide image_height=", c.image_height, " and image_width=", c.image_width,
         " (patches must not overlap or spill)");
  if (c.block.d_model < 1) fail("DATVision: d_model must be positive, got ", c.block.d_model);
  // The sequence is the patches and [CLS]: it sizes the positional symbols and the default library.
  c.block.block = (c.image_height / c.patch) * (c.image_width / c.patch) + 1;
  c.block.n_layer = c.n_layer;
  c.block = validated_dat_config(c.block, "DATVision");
  return c;
}


}  // namespace

DATVision::DATVision(const DATVisionConfig& config, Rng& rng)
    : cfg_(validated(config)),
      patch_norm_in(cfg_.patch * cfg_.patch * cfg_.channels, true),
      patch_embed(cfg_.patch * cfg_.patch * cfg_.channels, cfg_.block.d_model, rng, true),
      patch_norm_out(cfg_.block.d_model, true),
      blocks(cfg_.n_layer, cfg_.block, rng),
      head(cfg_.block.d_model, cfg_.n_classes, rng, true) {
  const int64_t d = cfg_.block.d_model;
  register_parameter("cls_token", cls_token, Tensor::zeros({1, 1, d}));
  register_parameter("pos_embed", pos_embed, Tensor::zeros({1, num_patches() + 1, d}));
  register_module("patch_norm_in", patch_norm_in);
  register_module("patch_embed", patch_embed);
  register_module("patch_norm_out", patch_norm_out);
  register_module("blocks", blocks);
  if (!cfg_.block.post_norm) {
    norm = std::make_unique<LayerNormOptionalBias>(d, true);
    register_module("norm", *norm);
  }
  retriever_ = make_dat_retriever(cfg_.block, rng);
  if (retriever_) register_module("symbol_retriever", *retriever_);
  register_module("head", head);
  // The spec's init (see the header), drawn in a fixed order from rng.
  init_normal_linear(patch_embed, rng, 0.02f);
  init::normal(cls_token.value(), rng, 0, 0.02f);
  init::normal(pos_embed.value(), rng, 0, 0.02f);
  for (int64_t i = 0; i < cfg_.n_layer; ++i) init_dat_block(blocks[i], rng, cfg_.n_layer);
  init_dat_retriever(retriever_.get(), rng);
  init_normal_linear(head, rng, 0.02f);
}

int64_t DATVision::num_patches() const {
  return (cfg_.image_height / cfg_.patch) * (cfg_.image_width / cfg_.patch);
}

Var DATVision::forward(const Tensor& images, std::vector<DualAttentionWeights>* weights) {
  const Shape want = {cfg_.channels, cfg_.image_height, cfg_.image_width};
  if (images.dim() != 4 || images.size(0) < 1 || Shape(images.shape().begin() + 1, images.shape().end()) != want)
    fail("DATVision: images must be [B, ", cfg_.channels, ", ", cfg_.image_height, ", ", cfg_.image_width,
         "] with B >= 1, got ", to_string(images.shape()));
  const int64_t B = images.size(0), d = cfg_.block.d_model;
  Var tokens = patch_norm_out(patch_embed(patch_norm_in(constant(patchify_hwc(images, cfg_.patch)))));  // [B, N, d]
  Var cls = cls_token + constant(Tensor::zeros({B, 1, d}));  // the same [CLS] in front of every image
  Var x = concat({cls, tokens}, 1) + pos_embed;              // [B, N + 1, d]
  if (weights) weights->assign(size_t(cfg_.n_layer), {});
  for (int64_t i = 0; i < cfg_.n_layer; ++i) {
    // The shared retriever reads this block's input, before any norm (as DATLM).
    const Var symbols = retriever_ ? retriever_->forward(x) : Var();
    x = blocks[i].forward(x, symbols, weights ? &(*weights)[size_t(i)] : nullptr);
  }
  if (norm) x = (*norm)(x);
  // Mean pooling averages every row, [CLS] included (as upstream's x.mean(dim=1)).
  const Var pooled = cfg_.pool == DATPool::cls ? squeeze(narrow(x, 1, 0, 1), 1) : mean(x, 1);  // [B, d]
  return head(pooled);
}

Var DATVision::loss(const Tensor& images, const Tensor& labels) {
  if (labels.dim() != 1 || images.dim() < 1 || labels.size(0) != images.size(0))
    fail("DATVision::loss: labels must be [B] with one label per image, got ", to_string(labels.shape()), " for images ",
         to_string(images.shape()));
  return cross_entropy(forward(images), labels);
}

}  // namespace atn
