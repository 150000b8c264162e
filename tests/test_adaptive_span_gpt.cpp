// AdaptiveSpanGPT: names, the keys it reads (counted from its attention weights and by hand,
// and a token beyond the receptive field perturbed without effect), the span loss's value and
// gradient, a gradcheck of the span parameters, the clamp after each update and errors.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "models/adaptive_span_gpt.h"
#include "test_util.h"

namespace atn {
namespace {

Tensor tokens(int64_t B, int64_t T, int64_t V, Rng& rng) {
  Tensor idx({B, T});
  for (real& v : idx) v = real(rng.below(uint64_t(V)));
  return idx;
}

void set_spans(AdaptiveSpanGPT& m, int64_t layer, std::vector<real> c) {
  m.block(layer).attn.span_ratio.value().copy_from(Tensor::from(std::move(c)));
}

TEST(AdaptiveSpanGPT, NamesShapesAndDefaults) {
  Rng rng(1);
  AdaptiveSpanGPT model({.vocab = 7, .block = 12, .n_layer = 2, .n_head = 2, .d_model = 8, .ramp = 4}, rng);
  EXPECT_EQ(model.config().max_span, 12);  // 0 → the block size
  const auto names = testing_util::names_of(model);
  EXPECT_NE(std::find(names.begin(), names.end(), "transformer.h.1.attn.span_ratio"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "transformer.h.0.mlp.c_proj.bias"), names.end());
  EXPECT_TRUE(model.lm_head.weight.same_as(model.transformer.wte.weight));
  EXPECT_EQ(model.forward(tokens(2, 10, 7, rng)).shape(), (Shape{2, 10, 7}));
  for (const Tensor& z : model.spans()) EXPECT_EQ(z.to_vector(), (std::vector<real>{0, 0}));  // c starts at 0
  EXPECT_EQ(model.type_name(), "AdaptiveSpanGPT");
}

// S = 16, R = 2, one layer with c = [0.1, 0.2]: z = [1.6, 3.2]. Head h gives weight > 0 to the
// keys at distance x < R + z_h, i.e. x ≤ 3 (4 keys) and x ≤ 5 (6 keys), and the layer reads a
// band of W = floor(3.2) + R + 1 = 6 keys per query. Counted on the weights of a real forward.
TEST(AdaptiveSpanGPT, ReadsOnlyKeysWithinSpanPlusRamp) {
  Rng rng(2);
  AdaptiveSpanGPT model({.vocab = 7, .block = 16, .n_layer = 1, .n_head = 2, .d_model = 8, .ramp = 2}, rng);
  set_spans(model, 0, {0.1f, 0.2f});
  const int64_t T = 16;
  ASSERT_EQ(model.block(0).attn.window(T), 6);
  std::vector<Tensor> w;
  {
    NoGrad no_grad;
    model.forward(tokens(1, T, 7, rng), &w);
  }
  const int64_t reach[2] = {4, 6};
  int64_t read = 0;
  for (int64_t h = 0; h < 2; ++h)
    for (int64_t i = 0; i < T; ++i) {
      int64_t nonzero = 0;
      for (int64_t j = 0; j < T; ++j)
        if (w[0][(h * T + i) * T + j] != 0) {
          ++nonzero;
          EXPECT_LT(i - j, reach[h]) << "head " << h << " query " << i << " read key " << j;
          EXPECT_GE(i - j, 0);
        }
      EXPECT_EQ(nonzero, std::min(i + 1, reach[h])) << "head " << h << " query " << i;
      read += nonzero;
    }
  EXPECT_EQ(read, (1 + 2 + 3 + 4 * 13) + (1 + 2 + 3 + 4 + 5 + 6 * 11));
  // keys_read counts the band W = 6 the layer scores: Σ_i min(i + 1, 6).
  EXPECT_EQ(model.keys_read(T), 1 + 2 + 3 + 4 + 5 + 6 * 11);
  EXPECT_EQ(model.keys_read(4), 1 + 2 + 3 + 4);
}

// Two layers, each reading W = 6 keys: the logits at position i depend on tokens i − 10 .. i only
// (receptive field 2·(W − 1) + 1 = 11). Changing token 0 leaves the logits at i ≥ 11 bit for bit
// unchanged, and changes those before.
TEST(AdaptiveSpanGPT, TokensBeyondTheReceptiveFieldAreNeverRead) {
  Rng rng(3);
  AdaptiveSpanGPT model({.vocab = 7, .block = 16, .n_layer = 2, .n_head = 2, .d_model = 8, .ramp = 2}, rng);
  set_spans(model, 0, {0.1f, 0.2f});
  set_spans(model, 1, {0.2f, 0.05f});
  ASSERT_EQ(model.block(1).attn.window(16), 6);
  Tensor a = tokens(1, 16, 7, rng), b = a.clone();
  b[0] = real((int64_t(a[0]) + 3) % 7);
  NoGrad no_grad;
  const Tensor la = model.forward(a).value(), lb = model.forward(b).value();
  for (int64_t i = 0; i < 16; ++i) {
    double diff = 0;
    for (int64_t v = 0; v < 7; ++v) diff = std::max(diff, double(std::fabs(la[i * 7 + v] - lb[i * 7 + v])));
    if (i >= 11) {
      EXPECT_EQ(diff, 0) << "position " << i;
    } else if (i <= 3) {
      EXPECT_GT(diff, 0) << "position " << i;  // within the nearest head's reach in both layers
    }
  }
}

// λ = 0.01, S = 16, H = 2: layer 0 c = [0.25, 0.5] → λ·S·mean = 0.01·16·0.375 = 0.06; layer 1
// c = [0, 1] → 0.08; total 0.14. Each c_h gets λ·S/H = 0.08 from it. The training loss is the
// reported loss (cross-entropy) plus the span loss, in value and gradient.
TEST(AdaptiveSpanGPT, SpanLossValueAndGradient) {
  Rng rng(4);
  AdaptiveSpanGPT model(
      {.vocab = 7, .block = 16, .n_layer = 2, .n_head = 2, .d_model = 8, .ramp = 4, .span_loss = 0.01f}, rng);
  set_spans(model, 0, {0.25f, 0.5f});
  set_spans(model, 1, {0, 1});
  EXPECT_NEAR(model.span_loss().item(), 0.14f, 1e-7);
  Tape::current().clear();
  const Tensor idx = tokens(2, 8, 7, rng), targets = tokens(2, 8, 7, rng);
  Var plain = model.loss(idx, targets);
  backward(plain);
  std::vector<Tensor> g_plain;
  for (int64_t l = 0; l < 2; ++l) g_plain.push_back(model.block(l).attn.span_ratio.grad().clone());
  model.zero_grad();
  Var train = model.training_loss(idx, targets);
  EXPECT_NEAR(train.item(), plain.item() + 0.14f, 1e-6);
  backward(train);
  for (int64_t l = 0; l < 2; ++l)
    for (int64_t h = 0; h < 2; ++h)
      EXPECT_NEAR(model.block(l).attn.span_ratio.grad()[h] - g_plain[size_t(l)][h], 0.08f, 1e-6) << l << " " << h;
}

// c away from the kinks (z = c·S not an integer): S = 8, R = 3.
TEST(AdaptiveSpanGPT, GradcheckOfTheSpans) {
  Rng rng(5);
  AdaptiveSpanGPT model(
      {.vocab = 5, .block = 8, .n_layer = 2, .n_head = 2, .d_model = 4, .ramp = 3, .span_loss = 0.05f}, rng);
  set_spans(model, 0, {0.3f, 0.55f});
  set_spans(model, 1, {0.18f, 0.42f});
  const Tensor idx = tokens(2, 8, 5, rng), targets = tokens(2, 8, 5, rng);
  std::vector<Var> spans = {model.block(0).attn.span_ratio, model.block(1).attn.span_ratio};
  auto r = gradcheck([&](const std::vector<Var>&) { return model.training_loss(idx, targets); }, spans);
  EXPECT_TRUE(r.ok) << r.report;
  // The gradient is not zero: the loss reaches c through the ramp.
  model.zero_grad();
  backward(model.training_loss(idx, targets));
  EXPECT_GT(std::fabs(spans[0].grad()[0]) + std::fabs(spans[0].grad()[1]), 0);
  // A gradcheck of every other parameter too, on one layer (cheap).
  AdaptiveSpanGPT one({.vocab = 5, .block = 6, .n_layer = 1, .n_head = 2, .d_model = 4, .ramp = 2, .span_init = 0.3f},
                      rng);
  const Tensor i2 = tokens(1, 6, 5, rng), t2 = tokens(1, 6, 5, rng);
  r = gradcheck([&](const std::vector<Var>&) { return one.training_loss(i2, t2); }, one.parameters());
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(AdaptiveSpanGPT, AfterUpdateClampsEverySpan) {
  Rng rng(6);
  AdaptiveSpanGPT model({.vocab = 7, .block = 8, .n_layer = 2, .n_head = 2, .d_model = 8}, rng);
  set_spans(model, 0, {-0.5f, 0.25f});
  set_spans(model, 1, {1.5f, 1.0f});
  model.after_update();
  EXPECT_EQ(model.spans()[0].to_vector(), (std::vector<real>{0, 2}));
  EXPECT_EQ(model.spans()[1].to_vector(), (std::vector<real>{8, 8}));
}

TEST(AdaptiveSpanGPT, BadInput) {
  Rng rng(7);
  const AdaptiveSpanGPTConfig ok{.vocab = 7, .block = 8, .n_layer = 1, .n_head = 2, .d_model = 8};
  auto with = [&](auto change) {
    AdaptiveSpanGPTConfig c = ok;
    change(c);
    return c;
  };
  EXPECT_THROW(AdaptiveSpanGPT(with([](auto& c) { c.max_span = -1; }), rng), Error);
  EXPECT_THROW(AdaptiveSpanGPT(with([](auto& c) { c.ramp = 0; }), rng), Error);
  EXPECT_THROW(AdaptiveSpanGPT(with([](auto& c) { c.span_loss = -1; }), rng), Error);
  EXPECT_THROW(AdaptiveSpanGPT(with([](auto& c) { c.span_loss = NAN; }), rng), Error);
  EXPECT_THROW(AdaptiveSpanGPT(with([](auto& c) { c.span_init = 2; }), rng), Error);
  EXPECT_THROW(AdaptiveSpanGPT(with([](auto& c) { c.n_head = 3; }), rng), Error);
  AdaptiveSpanGPT model(ok, rng);
  try {
    model.forward(Tensor::zeros({1, 9}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "AdaptiveSpanGPT: sequence of length 9 is longer than the block size 8");
  }
  EXPECT_THROW(model.forward(Tensor::full({1, 2}, 0.5f)), Error);
  EXPECT_THROW(model.keys_read(0), Error);
  Tape::current().clear();
}

}  // namespace
}  // namespace atn
