// The course's toy masked language model (models/toy_attention_lm.h): the nine-sentence batch, the
// model's shapes, names, causality, per-head masks, gradients and errors.
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_shape.h"
#include "data/corpus.h"
#include "models/toy_attention_lm.h"
#include "nn/attention/masks.h"
#include "optim/adam.h"

namespace atn {
namespace {

TEST(ToyAttentionLM, NineSentenceBatchIsShiftedByOneAndPadded) {
  const SentenceBatch b = nine_sentence_batch();
  ASSERT_EQ(b.x.shape(), (Shape{9, 7}));
  ASSERT_EQ(b.y.shape(), (Shape{9, 7}));
  const std::vector<std::string> sentences = nine_sentences();
  for (int64_t s = 0; s < 9; ++s) {
    const std::vector<int64_t> ids = course_ids(sentences[size_t(s)]);
    EXPECT_EQ(b.lengths[size_t(s)], int64_t(ids.size()) + 1);
    EXPECT_EQ(b.x.at({s, 0}), 0);  // [bos]
    for (size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(b.x.at({s, int64_t(i) + 1}), real(ids[i]));
      EXPECT_EQ(b.y.at({s, int64_t(i)}), real(ids[i]));
    }
    EXPECT_EQ(b.y.at({s, int64_t(ids.size())}), 1);  // [eos]
    for (int64_t i = b.lengths[size_t(s)]; i < 7; ++i) {
      EXPECT_EQ(b.x.at({s, i}), 1);     // padded with [eos]
      EXPECT_EQ(b.y.at({s, i}), -100);  // ignored by the loss
    }
  }
  EXPECT_EQ(nine_sentence_batch(9).x.size(1), 9);
  EXPECT_EQ(course_ids("[bos] un gato come"), (std::vector<int64_t>{0, course_ids("un")[0], course_ids("gato")[0],
                                                                    course_ids("come")[0]}));
}

TEST(ToyAttentionLM, BadInputThrowsNamingTheFunction) {
  try {
    nine_sentence_batch(5);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nine_sentence_batch: max_len 5"), std::string::npos) << e.what();
  }
  try {
    course_ids("el gatito");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("course_ids: \"gatito\""), std::string::npos) << e.what();
  }
  Rng rng(1);
  ToyAttentionLM m({}, rng);
  EXPECT_THROW(m.forward(Tensor::zeros({7})), Error);
  EXPECT_THROW(m.forward(Tensor::zeros({1, 8})), Error);                    // past max_len
  EXPECT_THROW(m.forward(Tensor::full({1, 3}, 15)), Error);                 // id outside the vocabulary
  EXPECT_THROW(m.forward(Tensor::zeros({1, 3}), Tensor::ones({3, 4, 4})), Error);  // 3 masks for 2 heads
}

TEST(ToyAttentionLM, ShapesNamesAndCausality) {
  Rng rng(2);
  ToyAttentionLM m({.d_model = 8, .n_heads = 2}, rng);
  const auto named = m.named_parameters();
  ASSERT_FALSE(named.empty());
  EXPECT_EQ(named.front().first, "embedding.weight");
  EXPECT_EQ(named.back().first, "out.bias");
  NoGrad no_grad;
  const SentenceBatch b = nine_sentence_batch();
  Tensor w;
  const Tensor logits = m.forward(b.x, &w).value();
  EXPECT_EQ(logits.shape(), (Shape{9, 7, 15}));
  ASSERT_EQ(w.shape(), (Shape{9, 2, 7, 7}));
  for (int64_t r = 0; r < 9 * 2; ++r)
    for (int64_t i = 0; i < 7; ++i)
      for (int64_t j = i + 1; j < 7; ++j) EXPECT_EQ(w[(r * 7 + i) * 7 + j], 0);
  // Changing the last token leaves the logits of the earlier positions exactly as they were.
  Tensor other = b.x.clone();
  other.at({0, 6}) = 3;
  const Tensor again = m.forward(other).value();
  EXPECT_EQ(max_abs_diff(narrow(logits, 1, 0, 6), narrow(again, 1, 0, 6)), 0);
  EXPECT_GT(max_abs_diff(logits, again), 0);
}

// Head h sees only its own window of h + 1 tokens when given a mask [H, T, T].
TEST(ToyAttentionLM, PerHeadMasksReachEachHead) {
  Rng rng(3);
  ToyAttentionLM m({.d_model = 9, .n_heads = 3}, rng);
  const int64_t t = 6;
  Tensor masks({3, t, t});
  for (int64_t h = 0; h < 3; ++h) {
    const Tensor win = local_window_mask(t, h + 1);
    for (int64_t e = 0; e < t * t; ++e) masks[h * t * t + e] = win[e];
  }
  NoGrad no_grad;
  Tensor w;
  m.forward(Tensor::from({0, 2, 3, 4, 5, 6}, {1, t}), masks, &w);
  for (int64_t h = 0; h < 3; ++h)
    for (int64_t i = 0; i < t; ++i) {
      double s = 0;
      for (int64_t j = 0; j < t; ++j) {
        const real a = w[(h * t + i) * t + j];
        s += a;
        if (j > i || j < i - h) {
          EXPECT_EQ(a, 0) << h << " " << i << " " << j;
        }
      }
      EXPECT_NEAR(s, 1, 1e-5);
    }
}

TEST(ToyAttentionLM, GradientsMatchFiniteDifferences) {
  Rng rng(4);
  ToyAttentionLM m({.vocab = 6, .max_len = 4, .d_model = 4, .n_heads = 2}, rng);
  const Tensor ids = Tensor::from({0, 3, 5, 2, 1, 1, 4, 0}, {2, 4});
  const auto r = gradcheck([&](const std::vector<Var>&) { return m.forward(ids); }, m.parameters());
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(ToyAttentionLMLearns, NextWordLossDropsOnTheNineSentences) {
  Rng rng(5);
  ToyAttentionLM m({}, rng);
  const SentenceBatch b = nine_sentence_batch();
  Adam opt(m.parameters(), {.lr = 0.02f});
  real first = 0, last = 0;
  for (int step = 0; step < 100; ++step) {
    const Var loss = cross_entropy(m.forward(b.x), b.y);
    backward(loss);
    opt.step();
    opt.zero_grad();
    (step == 0 ? first : last) = loss.value()[0];
  }
  EXPECT_LT(last, 0.6f * first);
}

}  // namespace
}  // namespace atn
