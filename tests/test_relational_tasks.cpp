// Relational tasks for DAT (data/relational_tasks.h): labels recomputed from the generated
// objects, held-out sprites and sequences, images matching the object tokens.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "data/relational_tasks.h"

namespace atn {
namespace {

// The library row equal to object i of example n (or -1).
int64_t object_index(const Tensor& objects, const Tensor& x, int64_t n, int64_t i) {
  const int64_t L = x.size(1), D = x.size(2);
  for (int64_t k = 0; k < objects.size(0); ++k)
    if (std::equal(objects.data() + k * D, objects.data() + (k + 1) * D, x.data() + (n * L + i) * D)) return k;
  return -1;
}

TEST(SameDifferent, LabelsSayWhetherTwoObjectsAreEqual) {
  const RelationalTask task = same_different_task();
  EXPECT_EQ(task.n_classes, 2);
  ASSERT_EQ(task.objects.shape(), (Shape{32, 16}));
  ASSERT_EQ(task.train.x.shape(), (Shape{2000, 2, 16}));
  ASSERT_EQ(task.train.y.shape(), (Shape{2000}));
  ASSERT_EQ(task.train.images.shape(), (Shape{2000, 1, 4, 8}));
  ASSERT_EQ(task.test.x.shape(), (Shape{500, 2, 16}));
  // Sprites are binary and pairwise at least 3 pixels apart.
  for (real v : task.objects) ASSERT_TRUE(v == 0 || v == 1);
  for (int64_t a = 0; a < 32; ++a)
    for (int64_t b = a + 1; b < 32; ++b) {
      int64_t d = 0;
      for (int64_t p = 0; p < 16; ++p) d += task.objects[a * 16 + p] != task.objects[b * 16 + p];
      EXPECT_GE(d, 3);
    }
  for (const RelationalSplit* split : {&task.train, &task.test}) {
    const bool is_test = split == &task.test;
    const int64_t n = split->y.numel();
    int64_t positives = 0;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t a = object_index(task.objects, split->x, k, 0), b = object_index(task.objects, split->x, k, 1);
      ASSERT_GE(a, 0);
      ASSERT_GE(b, 0);
      // Training uses sprites 0..23 only, the test the held-out 24..31 only.
      EXPECT_EQ(a >= 24, is_test);
      EXPECT_EQ(b >= 24, is_test);
      EXPECT_EQ(split->y[k], a == b ? 1 : 0);
      positives += a == b;
    }
    EXPECT_EQ(positives, n / 2);
    // Not in a fixed alternation: the first labels are not 0, 1, 0, 1, ...
    bool alternating = true;
    for (int64_t k = 0; k < 20; ++k) alternating &= split->y[k] == real(k % 2);
    EXPECT_FALSE(alternating);
  }
}

// With sprite_size patches a ViT's patch tokens are exactly the object tokens.
TEST(SameDifferent, ImagesAreTheObjectsSideBySide) {
  const RelationalTask task = same_different_task(
      {.n_sprites = 12, .sprite_size = 3, .heldout_sprites = 4, .n_objects = 3, .n_train = 50, .n_test = 10});
  const Tensor& x = task.train.x;
  const Tensor& img = task.train.images;
  ASSERT_EQ(img.shape(), (Shape{50, 1, 3, 9}));
  for (int64_t n = 0; n < 50; ++n)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t r = 0; r < 3; ++r)
        for (int64_t c = 0; c < 3; ++c) ASSERT_EQ(img.at({n, 0, r, i * 3 + c}), x.at({n, i, r * 3 + c}));
}

TEST(SameDifferent, ThreeObjectsRepeatAPairAnywhere) {
  const RelationalTask task = same_different_task({.n_objects = 3, .n_train = 600, .n_test = 100});
  std::set<std::pair<int64_t, int64_t>> pair_places;
  for (int64_t k = 0; k < 600; ++k) {
    int64_t ids[3];
    for (int64_t i = 0; i < 3; ++i) ids[i] = object_index(task.objects, task.train.x, k, i);
    int64_t equal_pairs = 0;
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = i + 1; j < 3; ++j)
        if (ids[i] == ids[j]) {
          ++equal_pairs;
          pair_places.insert({i, j});
        }
    EXPECT_LE(equal_pairs, 1);  // never three of a kind
    EXPECT_EQ(task.train.y[k], equal_pairs == 1 ? 1 : 0);
  }
  EXPECT_EQ(pair_places.size(), 3u);  // (0,1), (0,2) and (1,2) all occur
}

TEST(SameDifferent, NoiseDeterminismAndErrors) {
  const SameDifferentConfig cfg{.n_train = 100, .n_test = 20, .noise_std = 0.2f, .seed = 4};
  const RelationalTask a = same_different_task(cfg), b = same_different_task(cfg);
  EXPECT_EQ(a.train.x.to_vector(), b.train.x.to_vector());
  EXPECT_EQ(a.test.images.to_vector(), b.test.images.to_vector());
  SameDifferentConfig clean_cfg = cfg;
  clean_cfg.noise_std = 0;
  const RelationalTask clean = same_different_task(clean_cfg);
  EXPECT_EQ(a.train.y.to_vector(), clean.train.y.to_vector());  // same examples, only noisier
  double sq = 0;
  for (int64_t i = 0; i < a.train.x.numel(); ++i) sq += std::pow(double(a.train.x[i] - clean.train.x[i]), 2);
  EXPECT_NEAR(std::sqrt(sq / double(a.train.x.numel())), 0.2, 0.02);
  EXPECT_NE(same_different_task({.n_train = 100, .n_test = 20, .seed = 5}).train.x.to_vector(), clean.train.x.to_vector());
  EXPECT_THROW(same_different_task({.n_objects = 1}), Error);
  EXPECT_THROW(same_different_task({.heldout_sprites = 1}), Error);
  EXPECT_THROW(same_different_task({.n_sprites = 9, .heldout_sprites = 8}), Error);
  EXPECT_THROW(same_different_task({.noise_std = -1}), Error);
  // 3 × 3 sprites: a random greedy search finds no 32 codes of 9 bits pairwise 3 apart.
  EXPECT_THROW(same_different_task({.sprite_size = 3}), Error);
}

TEST(OrderTask, RanksFollowTheAttributeOrder) {
  const OrderTaskConfig cfg;
  const RelationalTask task = order_task(cfg);
  EXPECT_EQ(task.n_classes, 5);
  ASSERT_EQ(task.objects.shape(), (Shape{32, 8}));
  ASSERT_EQ(task.train.x.shape(), (Shape{2000, 5, 8}));
  ASSERT_EQ(task.train.y.shape(), (Shape{2000, 5}));
  EXPECT_FALSE(task.train.images.defined());
  // Object k = (primary k / 8, secondary k % 8): its halves are shared exactly by the objects
  // with the same attribute value.
  for (int64_t a = 0; a < 32; ++a)
    for (int64_t b = 0; b < 32; ++b) {
      const bool same_primary = std::equal(task.objects.data() + a * 8, task.objects.data() + a * 8 + 4,
                                           task.objects.data() + b * 8);
      const bool same_secondary = std::equal(task.objects.data() + a * 8 + 4, task.objects.data() + a * 8 + 8,
                                             task.objects.data() + b * 8 + 4);
      EXPECT_EQ(same_primary, a / 8 == b / 8);
      EXPECT_EQ(same_secondary, a % 8 == b % 8);
    }
  std::set<std::vector<int64_t>> train_sequences;
  for (const RelationalSplit* split : {&task.train, &task.test}) {
    const int64_t n = split->x.size(0);
    for (int64_t k = 0; k < n; ++k) {
      std::vector<int64_t> ids(5);
      for (int64_t i = 0; i < 5; ++i) {
        ids[size_t(i)] = object_index(task.objects, split->x, k, i);
        ASSERT_GE(ids[size_t(i)], 0);
      }
      // Sort a copy: the rank of object i is where it lands; all objects differ.
      std::vector<int64_t> sorted = ids;
      std::sort(sorted.begin(), sorted.end());
      ASSERT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
      for (int64_t i = 0; i < 5; ++i) {
        const auto place = std::find(sorted.begin(), sorted.end(), ids[size_t(i)]) - sorted.begin();
        EXPECT_EQ(split->y[k * 5 + i], real(place));
      }
      if (split == &task.train) {
        EXPECT_TRUE(train_sequences.insert(ids).second) << "repeated training sequence";
      } else {
        EXPECT_FALSE(train_sequences.count(ids)) << "a test sequence is also in train";
      }
    }
  }
}

TEST(OrderTask, DeterministicAndChecked) {
  EXPECT_EQ(order_task({.seed = 3}).test.x.to_vector(), order_task({.seed = 3}).test.x.to_vector());
  EXPECT_NE(order_task({.seed = 3}).test.y.to_vector(), order_task({.seed = 4}).test.y.to_vector());
  EXPECT_THROW(order_task({.length = 1}), Error);
  EXPECT_THROW(order_task({.n_primary = 2, .n_secondary = 2, .length = 5}), Error);
  EXPECT_THROW(order_task({.n_primary = 2, .n_secondary = 2, .length = 2, .n_train = 10}), Error);  // 12 sequences
}

}  // namespace
}  // namespace atn
