// The BERT-style encoder (models/bert.h): masking proportions, loss on the chosen positions only,
// padding, bidirectional attention, gradients, a short classification run, bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops_basic.h"
#include "models/bert.h"
#include "optim/adam.h"
#include "test_util.h"

namespace atn {
namespace {

using testing_util::Vars;

BertConfig tiny() { return {.vocab = 13, .max_len = 8, .n_layer = 2, .n_head = 2, .d_model = 8, .n_classes = 3}; }

Tensor random_ids(int64_t B, int64_t T, int64_t low, int64_t high, Rng& rng) {
  Tensor t({B, T});
  for (real& v : t) v = real(low + int64_t(rng.below(uint64_t(high - low))));
  return t;
}

void randomize(Module& m, Rng& rng, real std) {
  for (Var& p : m.parameters()) p.value().copy_from(Tensor::randn(p.shape(), rng, 0, std));
}

TEST(Bert, Shapes) {
  Rng rng(1);
  Bert bert(tiny(), rng);
  Tensor x = random_ids(2, 5, 0, 13, rng);
  EXPECT_EQ(bert.encode(x).shape(), (Shape{2, 5, 8}));
  EXPECT_EQ(bert.mlm_logits(x).shape(), (Shape{2, 5, 13}));
  EXPECT_EQ(bert.classify(x).shape(), (Shape{2, 3}));
  // The MLM decoder is the token embedding (tied): no separate [V, d] parameter.
  int64_t vd = 0;
  for (const auto& [name, p] : bert.named_parameters()) vd += p.shape() == Shape{13, 8};
  EXPECT_EQ(vd, 1);
}

TEST(Bert, MaskingProportionsFollowBert) {
  const int64_t V = 1000;
  Rng rng(2);
  Tensor ids = random_ids(64, 256, 0, V, rng);
  MaskingOptions o{.mask_id = 4, .vocab = V};
  MaskedBatch m = mask_tokens(ids, o, rng);
  int64_t eligible = 0, chosen = 0, masked = 0, unchanged = 0, replaced = 0;
  for (int64_t i = 0; i < ids.numel(); ++i) {
    const bool never = ids[i] <= 2;  // [pad], [bos], [eos]
    eligible += !never;
    if (m.chosen[i] == 0) {
      EXPECT_EQ(m.input[i], ids[i]);
      EXPECT_EQ(m.targets[i], real(MaskedBatch::kIgnore));
      continue;
    }
    EXPECT_FALSE(never) << "id " << ids[i] << " must never be chosen";
    EXPECT_EQ(m.targets[i], ids[i]);
    ++chosen;
    if (m.input[i] == 4) ++masked;
    else if (m.input[i] == ids[i]) ++unchanged;
    else ++replaced;
  }
  const double c = double(chosen);
  EXPECT_NEAR(c / double(eligible), 0.15, 0.01);
  EXPECT_NEAR(double(masked) / c, 0.8, 0.02);
  EXPECT_NEAR(double(unchanged) / c, 0.1, 0.015);
  EXPECT_NEAR(double(replaced) / c, 0.1, 0.015);
  Rng a(3), b(3);
  EXPECT_EQ(max_abs_diff(mask_tokens(ids, o, a).input, mask_tokens(ids, o, b).input), 0);  // same seed, same batch
}

TEST(Bert, MlmLossCountsOnlyTheChosenPositions) {
  Rng rng(4);
  Bert bert(tiny(), rng);
  randomize(bert, rng, 0.3f);
  Tensor ids = random_ids(3, 8, 3, 13, rng);
  MaskedBatch batch = mask_tokens(ids, {.vocab = 13, .select_prob = 0.4f}, rng);
  Tensor logits = bert.mlm_logits(batch.input).value();
  // −log softmax at the target, averaged over the chosen positions, by hand.
  double total = 0;
  int64_t n = 0;
  for (int64_t i = 0; i < ids.numel(); ++i) {
    if (batch.chosen[i] == 0) continue;
    const real* row = logits.data() + i * 13;
    double z = 0;
    for (int64_t v = 0; v < 13; ++v) z += std::exp(double(row[v]));
    total += std::log(z) - row[int64_t(batch.targets[i])];
    ++n;
  }
  ASSERT_GT(n, 0);
  EXPECT_NEAR(bert.mlm_loss(batch).item(), total / double(n), 1e-5);
  for (int64_t i = 0; i < ids.numel(); ++i) EXPECT_TRUE(batch.chosen[i] == 1 || batch.targets[i] == -100);
}

TEST(Bert, AttentionIsBidirectionalAndIgnoresPadding) {
  Rng rng(5);
  Bert bert(tiny(), rng);
  randomize(bert, rng, 0.3f);
  NoGrad no_grad;
  Tensor x = Tensor::from({1, 5, 6, 7, 0, 0}, {1, 6});
  Tensor pad = Tensor::from({1, 1, 1, 1, 0, 0}, {1, 6});
  Tensor a = bert.encode(x, pad).value();
  Tensor y = x.clone();
  y[5] = 9;  // a padded position
  Tensor b = bert.encode(y, pad).value();
  for (int64_t i = 0; i < 4 * 8; ++i) EXPECT_NEAR(a[i], b[i], 1e-6f) << "real positions must not see padding";
  Tensor z = x.clone();
  z[3] = 8;  // a later real token changes the first position: no causal mask
  Tensor c = bert.encode(z, pad).value();
  real diff = 0;
  for (int64_t i = 0; i < 8; ++i) diff = std::max(diff, std::abs(a[i] - c[i]));
  EXPECT_GT(diff, 1e-4f);
}

TEST(Bert, Gradcheck) {
  Rng rng(6);
  Bert bert(tiny(), rng);
  randomize(bert, rng, 0.3f);
  Tensor x = random_ids(1, 5, 0, 13, rng);
  Tensor pad = Tensor::from({1, 1, 1, 1, 0}, {1, 5});
  Vars mlm = {bert.tok_emb.weight, bert.h[0].attn.c_attn.weight, bert.mlm_transform.weight, bert.mlm_bias,
              bert.h[1].ln_2.bias};
  auto r = gradcheck([&](const Vars&) { return bert.mlm_logits(x, pad); }, mlm);
  EXPECT_TRUE(r.ok) << r.report;
  Vars cls = {bert.pos_emb.weight, bert.pooler.weight, bert.classifier.bias, bert.h[1].mlp.c_fc.weight};
  r = gradcheck([&](const Vars&) { return bert.classify(x, pad); }, cls);
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(Bert, InitIsNormalPointZeroTwo) {
  Rng rng(7);
  Bert bert({.vocab = 200, .d_model = 64}, rng);
  const Tensor& w = bert.tok_emb.weight.value();
  double s2 = 0;
  for (real v : w) s2 += double(v) * v;
  EXPECT_NEAR(std::sqrt(s2 / double(w.numel())), 0.02, 0.001);
  EXPECT_EQ(max_abs_diff(bert.mlm_bias.value(), Tensor::zeros({200})), 0);
}

TEST(Bert, ClassificationLossFallsOnASimpleTask) {
  // Class = whether the token after [CLS] is 5, 6 or 7: [CLS] must attend to position 1.
  Rng rng(8);
  Bert bert({.vocab = 10, .max_len = 4, .n_layer = 1, .n_head = 2, .d_model = 16, .n_classes = 3}, rng);
  Tensor x({12, 4}), labels({12});
  for (int64_t b = 0; b < 12; ++b) {
    x[b * 4] = 1;
    x[b * 4 + 1] = real(5 + b % 3);
    x[b * 4 + 2] = real(3 + b % 2);
    x[b * 4 + 3] = real(8 + (b / 3) % 2);
    labels[b] = real(b % 3);
  }
  AdamW opt(bert.parameters(), {.lr = 1e-2f, .weight_decay = 0});
  const real first = bert.classification_loss(x, labels).item();
  real last = first;
  for (int step = 0; step < 40; ++step) {
    Var l = bert.classification_loss(x, labels);
    last = l.item();
    backward(l);
    opt.step();
    opt.zero_grad();
  }
  EXPECT_LT(last, 0.1f) << "from " << first;
}

TEST(Bert, BadInputThrows) {
  Rng rng(9);
  EXPECT_THROW(Bert(BertConfig{.n_head = 3}, rng), Error);
  EXPECT_THROW(Bert(BertConfig{.n_classes = 0}, rng), Error);
  Bert bert(tiny(), rng);
  EXPECT_THROW(bert.encode(Tensor({1, 9})), Error);                            // longer than max_len
  EXPECT_THROW(bert.encode(Tensor::from({13}, {1, 1})), Error);                // id out of range
  EXPECT_THROW(bert.encode(Tensor({1, 3}), Tensor::ones({1, 4})), Error);      // mask shape
  EXPECT_THROW(bert.classification_loss(Tensor({2, 3}), Tensor({3})), Error);  // one label per row
  EXPECT_THROW(mask_tokens(Tensor({2, 3}), {}, rng), Error);                   // vocab unset
  EXPECT_THROW(mask_tokens(Tensor({2, 3}), {.vocab = 13, .mask_prob = 0.95f}, rng), Error);
  EXPECT_THROW(mask_tokens(Tensor({6}), {.vocab = 13}, rng), Error);
}

}  // namespace
}  // namespace atn
