// ViT (models/vit.h): patching against a per-pixel map, the patch projection against a by-hand
// loop, the [CLS] token and positions, gradients, a short training run, bad input.
#include <gtest/gtest.h>

#include "autograd/ops_basic.h"
#include "models/vit.h"
#include "optim/adam.h"
#include "test_util.h"

namespace atn {
namespace {

using testing_util::Vars;

ViTConfig tiny() {
  return {.image_size = 4, .patch = 2, .channels = 2, .n_classes = 3, .d_model = 8, .n_layer = 2, .n_head = 2};
}

TEST(ViT, PatchifyPutsEveryPixelInItsPatch) {
  Rng rng(1);
  const int64_t B = 2, C = 3, H = 4, W = 6, P = 2;
  Tensor images = Tensor::randn({B, C, H, W}, rng);
  Tensor patches = patchify(images, P);
  ASSERT_EQ(patches.shape(), (Shape{B, (H / P) * (W / P), C * P * P}));
  // Each pixel, followed forward: patch (y/P, x/P) in row-major order, feature (c, y%P, x%P).
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x) {
          const int64_t n = (y / P) * (W / P) + x / P, f = (c * P + y % P) * P + x % P;
          EXPECT_EQ(patches.at({b, n, f}), images.at({b, c, y, x}));
        }
}

TEST(ViT, PatchEmbeddingEqualsAByHandLoop) {
  Rng rng(2);
  ViT vit(tiny(), rng);
  for (Var& p : vit.parameters()) p.value().copy_from(Tensor::randn(p.shape(), rng));
  Tensor images = Tensor::randn({2, 2, 4, 4}, rng);
  Tensor ours = vit.patch_embed(constant(patchify(images, 2))).value();  // [2, 4, 8]
  const Tensor& w = vit.patch_embed.weight.value();                      // [8, 2·2·2]
  const Tensor& bias = vit.patch_embed.bias.value();
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t gy = 0; gy < 2; ++gy)
      for (int64_t gx = 0; gx < 2; ++gx)
        for (int64_t o = 0; o < 8; ++o) {
          double s = bias[o];  // a convolution with kernel = stride = 2, written out
          for (int64_t c = 0; c < 2; ++c)
            for (int64_t ky = 0; ky < 2; ++ky)
              for (int64_t kx = 0; kx < 2; ++kx)
                s += double(images.at({b, c, gy * 2 + ky, gx * 2 + kx})) * w.at({o, c * 4 + ky * 2 + kx});
          EXPECT_NEAR(ours.at({b, gy * 2 + gx, o}), s, 1e-5) << b << " " << gy << " " << gx << " " << o;
        }
}

TEST(ViT, ShapesParametersAndPositionsMatter) {
  Rng rng(3);
  ViT vit(tiny(), rng);
  EXPECT_EQ(vit.num_patches(), 4);
  EXPECT_EQ(vit.cls_token.shape(), (Shape{1, 1, 8}));
  EXPECT_EQ(vit.pos_embed.shape(), (Shape{1, 5, 8}));
  for (Var& p : vit.parameters()) p.value().copy_from(Tensor::randn(p.shape(), rng, 0, 0.5f));
  NoGrad no_grad;
  Tensor images = Tensor::randn({3, 2, 4, 4}, rng);
  Tensor out = vit.forward(images).value();
  EXPECT_EQ(out.shape(), (Shape{3, 3}));
  // Each image is classified on its own: a batch of one gives the same logits.
  Tensor one = vit.forward(Tensor::from(std::vector<real>(images.begin(), images.begin() + 32), {1, 2, 4, 4})).value();
  for (int64_t k = 0; k < 3; ++k) EXPECT_NEAR(one[k], out[k], 1e-5f);
  // Swapping the first two patches changes the logits: the positions tell patches apart.
  Tensor swapped = images.clone();
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t y = 0; y < 2; ++y)
      for (int64_t x = 0; x < 2; ++x) std::swap(swapped.at({0, c, y, x}), swapped.at({0, c, y, x + 2}));
  Tensor out2 = vit.forward(swapped).value();
  EXPECT_GT(std::abs(out2[0] - out[0]) + std::abs(out2[1] - out[1]) + std::abs(out2[2] - out[2]), 1e-4f);
}

TEST(ViT, Gradcheck) {
  Rng rng(4);
  ViT vit(tiny(), rng);
  for (Var& p : vit.parameters()) p.value().copy_from(Tensor::randn(p.shape(), rng, 0, 0.3f));
  Tensor images = Tensor::randn({2, 2, 4, 4}, rng);
  Vars inputs = {vit.cls_token, vit.pos_embed, vit.patch_embed.weight, vit.blocks[0].attn.c_attn.weight,
                 vit.norm.weight, vit.head.weight};
  auto r = gradcheck([&](const Vars&) { return vit.forward(images); }, inputs);
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(ViT, LearnsToTellBrightFromDarkCorner) {
  // Class 0: the top-left patch is bright; class 1: the bottom-right one. Noise elsewhere.
  Rng rng(5);
  ViT vit({.image_size = 4, .patch = 2, .channels = 1, .n_classes = 2, .d_model = 16, .n_layer = 1, .n_head = 2}, rng);
  Tensor images = Tensor::randn({16, 1, 4, 4}, rng, 0, 0.3f), labels({16});
  for (int64_t b = 0; b < 16; ++b) {
    labels[b] = real(b % 2);
    const int64_t y0 = b % 2 ? 2 : 0;
    for (int64_t y = y0; y < y0 + 2; ++y)
      for (int64_t x = y0; x < y0 + 2; ++x) images.at({b, 0, y, x}) += 2;
  }
  AdamW opt(vit.parameters(), {.lr = 1e-2f, .weight_decay = 0});
  const real first = vit.loss(images, labels).item();
  real last = first;
  for (int step = 0; step < 40; ++step) {
    Var l = vit.loss(images, labels);
    last = l.item();
    backward(l);
    opt.step();
    opt.zero_grad();
  }
  EXPECT_LT(last, 0.1f) << "from " << first;
}

TEST(ViT, BadInputThrows) {
  Rng rng(6);
  EXPECT_THROW(ViT(ViTConfig{.image_size = 10, .patch = 4}, rng), Error);  // 4 does not divide 10
  EXPECT_THROW(ViT(ViTConfig{.n_head = 3}, rng), Error);                   // 3 does not divide 64
  ViT vit(tiny(), rng);
  EXPECT_THROW(vit.forward(Tensor({1, 1, 4, 4})), Error);  // wrong channel count
  EXPECT_THROW(vit.forward(Tensor({2, 4, 4})), Error);     // no batch axis
  EXPECT_THROW(vit.loss(Tensor({2, 2, 4, 4}), Tensor({3})), Error);
  EXPECT_THROW(patchify(Tensor({1, 1, 5, 4}), 2), Error);
  EXPECT_THROW(patchify(Tensor({1, 4, 4}), 2), Error);
}

}  // namespace
}  // namespace atn
