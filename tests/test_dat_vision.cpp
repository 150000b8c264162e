// DATVision (models/dat_vision.h): patch order against a per-pixel map, shapes and names for both
// poolings and every retriever, a gradcheck of every parameter, n_ra = 0 computing exactly a
// ViT-style encoder (ViT's own blocks with the weights copied over), positions and [CLS] that
// matter, the spec's init, and errors naming what is wrong.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "autograd/tape.h"
#include "models/dat_vision.h"
#include "models/vit.h"
#include "test_util.h"

namespace atn {
namespace {

using testing_util::names_of;

DATVisionConfig tiny(DATSymbols symbols = DATSymbols::symbolic, DATPool pool = DATPool::cls, bool post_norm = false,
                     bool swiglu = false) {
  return {.image_height = 4,
          .image_width = 6,
          .patch = 2,
          .channels = 2,
          .n_classes = 3,
          .n_layer = 2,
          .pool = pool,
          .block = {.d_model = 8,
                    .n_heads_sa = 1,
                    .n_heads_ra = 1,
                    .symbols = symbols,
                    .n_symbols = 3,
                    .symbol_heads = 2,
                    .max_rel_pos = 2,
                    .post_norm = post_norm,
                    .swiglu = swiglu}};
}

bool has_name(const std::vector<std::string>& names, const std::string& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

TEST(DATVision, PatchifyHwcPutsEveryPixelInItsPatch) {
  Rng rng(1);
  const int64_t B = 2, C = 3, H = 4, W = 6, P = 2;
  const Tensor images = Tensor::randn({B, C, H, W}, rng);
  const Tensor patches = patchify_hwc(images, P);
  ASSERT_EQ(patches.shape(), (Shape{B, (H / P) * (W / P), P * P * C}));
  // Each pixel, followed forward: patch (y/P, x/P) row-major, feature (y%P, x%P, c).
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x) {
          const int64_t n = (y / P) * (W / P) + x / P, f = ((y % P) * P + x % P) * C + c;
          EXPECT_EQ(patches.at({b, n, f}), images.at({b, c, y, x}));
        }
  // With one channel it is ViT's (channel, row, column) order.
  const Tensor gray = Tensor::randn({1, 1, 4, 6}, rng);
  const Tensor a = patchify_hwc(gray, 2), v = patchify(gray, 2);
  for (int64_t i = 0; i < a.numel(); ++i) EXPECT_EQ(a[i], v[i]);
}

TEST(DATVision, ShapesNamesAndWeights) {
  Rng rng(2);
  DATVision model(tiny(), rng);
  EXPECT_EQ(model.num_patches(), 6);
  EXPECT_EQ(model.pos_embed.shape(), (Shape{1, 7, 8}));
  EXPECT_EQ(model.cls_token.shape(), (Shape{1, 1, 8}));
  EXPECT_EQ(model.patch_embed.weight.shape(), (Shape{8, 8}));  // P·P·C = 8 features → d = 8
  const auto names = names_of(model);
  for (const char* n : {"cls_token", "pos_embed", "patch_norm_in.weight", "patch_embed.bias", "patch_norm_out.bias",
                        "blocks.1.dual_attn.relational_attention.wr", "blocks.0.dual_attn.self_attention.wq.weight",
                        "blocks.0.ff.fc2.weight", "norm.weight", "symbol_retriever.symbol_library", "head.weight"})
    EXPECT_TRUE(has_name(names, n)) << n;
  for (const auto& n : names) EXPECT_FALSE(n.find("blocks") == 0 && n.find("symbol") != std::string::npos) << n;
  // The symbolic library defaults to N + 1 = 7 symbols only when n_symbols is 0; here it is 3.
  EXPECT_EQ(dynamic_cast<SymbolicAttention*>(model.symbol_retriever())->symbol_library.shape(), (Shape{3, 8}));
  Rng data(3);
  std::vector<DualAttentionWeights> w;
  const Var logits = model.forward(Tensor::randn({3, 2, 4, 6}, data), &w);
  EXPECT_EQ(logits.shape(), (Shape{3, 3}));
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].sa.shape(), (Shape{3, 1, 7, 7}));
  EXPECT_EQ(w[1].ra.shape(), (Shape{3, 1, 7, 7}));
  // Non-causal: the first query attends to the last key.
  EXPECT_GT(w[0].ra.value().at({0, 0, 0, 6}), 0);
  EXPECT_GT(w[1].sa.value().at({2, 0, 0, 6}), 0);
  EXPECT_EQ(model.type_name(), "DATVision");
  Tape::current().clear();
  // Post-norm has no final norm; SwiGLU has three bias-free FF matrices; positional symbols span N + 1.
  DATVision post(tiny(DATSymbols::positional, DATPool::mean, true, true), rng);
  EXPECT_EQ(post.norm, nullptr);
  EXPECT_FALSE(has_name(names_of(post), "norm.weight"));
  EXPECT_EQ(post.block(0).ff.w3->weight.shape(), (Shape{21, 8}));
  EXPECT_EQ(dynamic_cast<PositionalSymbols*>(post.symbol_retriever())->symbol_library.shape(), (Shape{7, 8}));
  NoGrad no_grad;
  EXPECT_EQ(post.forward(Tensor::randn({2, 2, 4, 6}, data)).shape(), (Shape{2, 3}));
  DATVision relative(tiny(DATSymbols::relative), rng);
  EXPECT_TRUE(relative.symbol_retriever()->relative());
  EXPECT_EQ(relative.forward(Tensor::randn({2, 2, 4, 6}, data)).shape(), (Shape{2, 3}));
}

TEST(DATVision, SpecInit) {
  Rng rng(4);
  DATVisionConfig c = tiny();
  c.block.d_model = 32, c.block.n_heads_sa = 2, c.block.n_heads_ra = 2, c.n_layer = 4;
  DATVision model(c, rng);
  auto std_of = [](const Tensor& t) {
    double s = 0, s2 = 0;
    for (real v : t) s += v, s2 += double(v) * v;
    const double m = s / double(t.numel());
    return std::sqrt(s2 / double(t.numel()) - m * m);
  };
  // 0.02 for the ordinary weights, 0.02/√(2·4) = 0.00707 for the residual outputs.
  EXPECT_NEAR(std_of(model.pos_embed.value()), 0.02, 0.006);
  EXPECT_NEAR(std_of(model.block(0).dual_attn.self_attention->wq.weight.value()), 0.02, 0.005);
  EXPECT_NEAR(std_of(model.block(3).dual_attn.relational_attention->wo.weight.value()), 0.00707, 0.002);
  EXPECT_NEAR(std_of(model.block(2).ff.fc2->weight.value()), 0.00707, 0.001);
  EXPECT_NEAR(std_of(model.patch_embed.weight.value()), 0.02, 0.006);
  for (real v : model.head.bias.value()) EXPECT_EQ(v, 0);
  for (real v : model.patch_norm_in.weight.value()) EXPECT_EQ(v, 1);
  // Same seed, same model.
  Rng again(4);
  DATVision twin(c, again);
  const auto a = model.parameters(), b = twin.parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    for (int64_t k = 0; k < a[i].value().numel(); ++k) ASSERT_EQ(a[i].value()[k], b[i].value()[k]);
}

TEST(DATVision, GradcheckEveryParameter) {
  for (DATSymbols s : {DATSymbols::symbolic, DATSymbols::positional, DATSymbols::relative}) {
    const bool other = s != DATSymbols::symbolic;  // post-norm, SwiGLU and mean pooling on the other two
    Rng rng(5);
    DATVisionConfig c = {.image_height = 2,
                         .image_width = 4,
                         .patch = 2,
                         .channels = 1,
                         .n_classes = 2,
                         .n_layer = 2,
                         .pool = other ? DATPool::mean : DATPool::cls,
                         .block = {.d_model = 4,
                                   .n_heads_sa = 1,
                                   .n_heads_ra = 1,
                                   .symbols = s,
                                   .n_symbols = 2,
                                   .max_rel_pos = 1,
                                   .post_norm = other,
                                   .swiglu = other}};
    DATVision model(c, rng);
    // Larger weights than the init, so every path carries a gradient well above the noise.
    for (Var& p : model.parameters()) p.value().copy_from(Tensor::randn(p.shape(), rng, 0, 0.5f));
    const Tensor images = Tensor::randn({2, 1, 2, 4}, rng), labels = Tensor::from({0.0f, 1.0f});
    const auto r = gradcheck([&](const std::vector<Var>&) { return model.loss(images, labels); }, model.parameters());
    EXPECT_TRUE(r.ok) << dat_symbols_name(s) << ": " << r.report;
  }
}

// With n_ra = 0 only self-attention runs: the blocks are ViT's pre-norm blocks. Copy the weights
// into models/vit.h's blocks (q|k|v stacked into c_attn, zero biases where DAT has none) and run
// ViT's blocks, norm and head on DAT's patch tokens: the logits agree.
TEST(DATVision, WithoutRelationalHeadsItIsAViTEncoder) {
  Rng rng(6);
  DATVision dat({.image_height = 4,
                 .image_width = 4,
                 .patch = 2,
                 .channels = 1,
                 .n_classes = 3,
                 .n_layer = 2,
                 .block = {.d_model = 8, .n_heads_sa = 2, .n_heads_ra = 0}},
                rng);
  EXPECT_EQ(dat.symbol_retriever(), nullptr);
  for (const auto& n : names_of(dat)) EXPECT_EQ(n.find("relational"), std::string::npos) << n;
  for (Var& p : dat.parameters()) p.value().copy_from(Tensor::randn(p.shape(), rng, 0, 0.4f));
  ViT vit({.image_size = 4, .patch = 2, .channels = 1, .n_classes = 3, .d_model = 8, .n_layer = 2, .n_head = 2}, rng);
  for (int64_t i = 0; i < 2; ++i) {
    DATBlock& d = dat.block(i);
    PreNormBlock& v = vit.blocks[i];
    SensoryAttention& sa = *d.dual_attn.self_attention;
    v.ln_1.weight.value().copy_from(d.norm1.weight.value());
    v.ln_1.bias.value().copy_from(d.norm1.bias.value());
    v.ln_2.weight.value().copy_from(d.norm2.weight.value());
    v.ln_2.bias.value().copy_from(d.norm2.bias.value());
    Tensor qkv({24, 8});
    const Linear* parts[] = {&sa.wq, &sa.wk, &sa.wv};
    for (int p = 0; p < 3; ++p)
      for (int64_t k = 0; k < 64; ++k) qkv[p * 64 + k] = parts[p]->weight.value()[k];
    v.attn.c_attn.weight.value().copy_from(qkv);
    v.attn.c_attn.bias.value().copy_from(Tensor::zeros({24}));
    v.attn.c_proj.weight.value().copy_from(sa.wo.weight.value());
    v.attn.c_proj.bias.value().copy_from(Tensor::zeros({8}));
    v.mlp.c_fc.weight.value().copy_from(d.ff.fc1->weight.value());
    v.mlp.c_fc.bias.value().copy_from(d.ff.fc1->bias.value());
    v.mlp.c_proj.weight.value().copy_from(d.ff.fc2->weight.value());
    v.mlp.c_proj.bias.value().copy_from(d.ff.fc2->bias.value());
  }
  NoGrad no_grad;
  const Tensor images = Tensor::randn({3, 1, 4, 4}, rng);
  const Tensor ours = dat.forward(images).value();
  // ViT's path from the tokens on: [CLS], positions, its blocks, final norm, the [CLS] row, head.
  Var tokens = dat.patch_norm_out(dat.patch_embed(dat.patch_norm_in(constant(patchify(images, 2)))));
  Var x = concat({dat.cls_token + constant(Tensor::zeros({3, 1, 8})), tokens}, 1) + dat.pos_embed;
  for (int64_t i = 0; i < 2; ++i) x = vit.blocks[i].forward(x);
  const Tensor ref = dat.head(squeeze(narrow((*dat.norm)(x), 1, 0, 1), 1)).value();
  ASSERT_EQ(ours.shape(), ref.shape());
  for (int64_t k = 0; k < ours.numel(); ++k) EXPECT_NEAR(ours[k], ref[k], 1e-5f) << k;
}

TEST(DATVision, PositionsClsAndPoolingMatter) {
  Rng rng(7);
  for (DATPool pool : {DATPool::cls, DATPool::mean}) {
    DATVision model(tiny(DATSymbols::symbolic, pool), rng);
    for (Var& p : model.parameters()) p.value().copy_from(Tensor::randn(p.shape(), rng, 0, 0.5f));
    NoGrad no_grad;
    const Tensor images = Tensor::randn({2, 2, 4, 6}, rng);
    const Tensor out = model.forward(images).value();
    // Each image is classified on its own: the first image alone gives the same logits.
    const Tensor one = model.forward(Tensor::from(std::vector<real>(images.begin(), images.begin() + 48), {1, 2, 4, 6})).value();
    for (int64_t k = 0; k < 3; ++k) EXPECT_NEAR(one[k], out[k], 1e-5f);
    // Swapping the first two patches of image 0 changes its logits (positions tell them apart),
    // and not those of image 1.
    Tensor swapped = images.clone();
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t y = 0; y < 2; ++y)
        for (int64_t x = 0; x < 2; ++x) std::swap(swapped.at({0, c, y, x}), swapped.at({0, c, y, x + 2}));
    const Tensor out2 = model.forward(swapped).value();
    double change = 0;
    for (int64_t k = 0; k < 3; ++k) {
      change += std::fabs(out2[k] - out[k]);
      EXPECT_EQ(out2[3 + k], out[3 + k]);
    }
    EXPECT_GT(change, 1e-4);
  }
}

TEST(DATVision, BadInputThrows) {
  Rng rng(8);
  auto make = [&](DATVisionConfig c) { DATVision m(c, rng); };
  DATVisionConfig c = tiny();
  c.image_width = 5;  // 2 does not divide 5
  EXPECT_THROW(make(c), Error);
  c = tiny(), c.patch = 0;
  EXPECT_THROW(make(c), Error);
  c = tiny(), c.n_classes = 0;
  EXPECT_THROW(make(c), Error);
  c = tiny(), c.n_layer = 0;
  EXPECT_THROW(make(c), Error);
  c = tiny(), c.block.n_heads_sa = 2;  // 3 heads do not divide d = 8
  EXPECT_THROW(make(c), Error);
  c = tiny(), c.block.n_heads_sa = 0, c.block.n_heads_ra = 0;
  EXPECT_THROW(make(c), Error);
  try {
    c = tiny(), c.image_height = 3;
    make(c);
    ADD_FAILURE() << "no throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("DATVision"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("image_height=3"), std::string::npos) << e.what();
  }
  DATVision model(tiny(), rng);
  EXPECT_THROW(model.forward(Tensor({1, 1, 4, 6})), Error);  // one channel, not two
  EXPECT_THROW(model.forward(Tensor({1, 2, 6, 4})), Error);  // height and width swapped
  EXPECT_THROW(model.forward(Tensor({2, 4, 6})), Error);     // no batch axis
  EXPECT_THROW(model.forward(Tensor({0, 2, 4, 6})), Error);  // an empty batch
  EXPECT_THROW(model.loss(Tensor({2, 2, 4, 6}), Tensor({3})), Error);
  EXPECT_THROW(model.loss(Tensor({2, 2, 4, 6}), Tensor::from({0.0f, 5.0f})), Error);  // class 5 of 3
  EXPECT_THROW(patchify_hwc(Tensor({1, 1, 5, 4}), 2), Error);
  EXPECT_THROW(patchify_hwc(Tensor({1, 4, 4}), 2), Error);
  EXPECT_THROW(patchify_hwc(Tensor({1, 1, 4, 4}), 0), Error);
  Tape::current().clear();
}

}  // namespace
}  // namespace atn
