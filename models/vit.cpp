#include "models/vit.h"

#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_shape.h"
#include "nn/init.h"

namespace atn {

namespace {

const ViTConfig& validated(const ViTConfig& c) {
  if (c.image_size < 1 || c.patch < 1 || c.channels < 1 || c.n_classes < 1 || c.d_model < 1 || c.n_layer < 1 ||
      c.n_head < 1)
    fail("ViT: every size must be positive, got image_size=", c.image_size, " patch=", c.patch,
         " channels=", c.channels, " n_classes=", c.n_classes, " d_model=", c.d_model, " n_layer=", c.n_layer,
         " n_head=", c.n_head);
  if (c.image_size % c.patch != 0)
    fail("ViT: patch=", c.patch, " does not divide image_size=", c.image_size, " (patches must not overlap or spill)");
  return c;
}

}  // namespace

Tensor patchify(const Tensor& images, int64_t P, PatchOrder order) {
  const char* name = order == PatchOrder::channel_row_col ? "patchify" : "patchify_hwc";
  if (images.dim() != 4) fail(name, ": images must be [B, C, H, W], got ", to_string(images.shape()));
  const int64_t B = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3);
  if (P < 1 || H % P != 0 || W % P != 0)
    fail(name, ": patch ", P, " must divide the height ", H, " and the width ", W);
  const int64_t gh = H / P, gw = W / P, F = C * P * P;
  // Where feature (c, py, px) of a patch goes in its row of F numbers.
  const int64_t c_step = order == PatchOrder::channel_row_col ? P * P : 1;
  const int64_t pixel_step = order == PatchOrder::channel_row_col ? 1 : C;
  Tensor out({B, gh * gw, F});
  const real* src = images.data();
  real* dst = out.data();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t gy = 0; gy < gh; ++gy)
      for (int64_t gx = 0; gx < gw; ++gx) {
        real* row = dst + ((b * gh + gy) * gw + gx) * F;
        for (int64_t c = 0; c < C; ++c)
          for (int64_t py = 0; py < P; ++py)
            for (int64_t px = 0; px < P; ++px)
              row[c * c_step + (py * P + px) * pixel_step] = src[((b * C + c) * H + gy * P + py) * W + gx * P + px];
      }
  return out;
}

ViT::ViT(const ViTConfig& cfg, Rng& rng)
    : cfg_(validated(cfg)),
      dropout_rng_(0),
      patch_embed(cfg_.channels * cfg_.patch * cfg_.patch, cfg_.d_model, dropout_rng_, cfg_.bias),
      drop(cfg_.dropout, dropout_rng_),
      blocks(cfg_.n_layer, {.d_model = cfg_.d_model, .n_head = cfg_.n_head, .dropout = cfg_.dropout, .bias = cfg_.bias},
             dropout_rng_),
      norm(cfg_.d_model, cfg_.bias),
      head(cfg_.d_model, cfg_.n_classes, dropout_rng_, cfg_.bias) {
  register_module("patch_embed", patch_embed);
  register_parameter("cls_token", cls_token, Tensor::zeros({1, 1, cfg_.d_model}));
  register_parameter("pos_embed", pos_embed, Tensor::zeros({1, num_patches() + 1, cfg_.d_model}));
  register_module("drop", drop);
  register_module("blocks", blocks);
  register_module("norm", norm);
  register_module("head", head);
  // The modules drew their throwaway default init from dropout_rng_; the real one comes from rng.
  for (Linear* lin : {&patch_embed, &head}) {
    init::normal(lin->weight.value(), rng, 0, 0.02f);
    if (lin->bias.defined()) init::zeros(lin->bias.value());
  }
  init::normal(cls_token.value(), rng, 0, 0.02f);
  init::normal(pos_embed.value(), rng, 0, 0.02f);
  for (int64_t i = 0; i < cfg_.n_layer; ++i) init_block_normal(blocks[i], rng, 0.02f, 0.02f);
  dropout_rng_.seed_with(rng.next_u64());
}

int64_t ViT::num_patches() const { return (cfg_.image_size / cfg_.patch) * (cfg_.image_size / cfg_.patch); }

Var ViT::forward(const Tensor& images) {
  const Shape want = {cfg_.channels, cfg_.image_size, cfg_.image_size};
  if (images.dim() != 4 || Shape(images.shape().begin() + 1, images.shape().end()) != want)
    fail("ViT: images must be [B, ", cfg_.channels, ", ", cfg_.image_size, ", ", cfg_.image_size, "], got ",
         to_string(images.shape()));
  const int64_t B = images.size(0);
  Var tokens = patch_embed(constant(patchify(images, cfg_.patch)));  // [B, N, d]
  // The same [CLS] vector in front of every image: broadcast it to [B, 1, d] by adding zeros.
  Var cls = cls_token + constant(Tensor::zeros({B, 1, cfg_.d_model}));
  Var x = drop(concat({cls, tokens}, 1) + pos_embed);  // [B, N + 1, d]
  for (int64_t i = 0; i < cfg_.n_layer; ++i) x = blocks[i].forward(x);
  Var first = squeeze(narrow(norm(x), 1, 0, 1), 1);  // [B, d]
  return head(first);
}

Var ViT::loss(const Tensor& images, const Tensor& labels) {
  if (labels.dim() != 1 || (images.dim() >= 1 && labels.size(0) != images.size(0)))
    fail("ViT::loss: labels must be [B] with one label per image, got ", to_string(labels.shape()));
  return cross_entropy(forward(images), labels);
}

}  // namespace atn
