// Synthetic shape images (data/synthetic_images.h): every label is checked by recognising the
// drawn shape from its pixels with rules written here, independently of the drawing code.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "data/synthetic_images.h"

namespace atn {
namespace {

// Recognises a noiseless shape image [size, size]: -1 when it matches no class.
// Works on the bounding box of the lit pixels and the number of lit pixels in each of its rows.
int64_t recognise(const real* img, int64_t size, int64_t* extent_out = nullptr) {
  int64_t r0 = size, r1 = -1, c0 = size, c1 = -1, count = 0;
  for (int64_t r = 0; r < size; ++r)
    for (int64_t c = 0; c < size; ++c)
      if (img[r * size + c] != 0) {
        EXPECT_EQ(img[r * size + c], 1);
        r0 = std::min(r0, r), r1 = std::max(r1, r), c0 = std::min(c0, c), c1 = std::max(c1, c);
        ++count;
      }
  if (r1 < 0) return -1;
  const int64_t e = r1 - r0 + 1;
  if (c1 - c0 + 1 != e) return -1;  // every shape fills a square box
  if (extent_out) *extent_out = e;
  std::vector<int64_t> width(size_t(e), 0);
  for (int64_t r = 0; r < e; ++r)
    for (int64_t c = 0; c < e; ++c) width[size_t(r)] += img[(r0 + r) * size + c0 + c] != 0;
  const int64_t top = width.front(), bottom = width.back();
  const int64_t full_rows = std::count(width.begin(), width.end(), e);
  if (count == e * e) return int64_t(ShapeKind::square);
  // Triangle: rows widen from a point at the top to a full base.
  if (bottom == e && top <= 2 && std::is_sorted(width.begin(), width.end())) return int64_t(ShapeKind::triangle);
  // Cross: rows are either an arm (t pixels) or the full bar, and the bar is t rows thick.
  const bool two_widths = std::all_of(width.begin(), width.end(), [&](int64_t w) { return w == top || w == e; });
  if (two_widths && top <= e / 2 && full_rows == top && bottom == top) return int64_t(ShapeKind::cross);
  // Circle: symmetric top to bottom, full across the middle, about π/4 of its box.
  const bool symmetric = std::equal(width.begin(), width.end(), width.rbegin());
  const double fill = double(count) / double(e * e);
  if (symmetric && top < e && width[size_t(e / 2)] == e && fill > 0.6 && fill < 0.92) return int64_t(ShapeKind::circle);
  return -1;
}

TEST(ShapeImages, EveryLabelMatchesTheDrawnShape) {
  const ShapeImagesConfig cfg;
  const ImageDataset data = shape_images(cfg);
  EXPECT_EQ(data.n_classes, 4);
  EXPECT_EQ(data.class_names, (std::vector<std::string>{"square", "circle", "triangle", "cross"}));
  ASSERT_EQ(data.train.images.shape(), (Shape{1000, 1, 16, 16}));
  ASSERT_EQ(data.train.labels.shape(), (Shape{1000}));
  ASSERT_EQ(data.test.images.shape(), (Shape{200, 1, 16, 16}));
  std::set<int64_t> extents;
  for (const ImageSplit* split : {&data.train, &data.test}) {
    std::vector<int64_t> per_class(4, 0);
    const int64_t n = split->labels.numel();
    for (int64_t k = 0; k < n; ++k) {
      int64_t e = 0;
      const int64_t label = int64_t(split->labels[k]);
      ASSERT_EQ(recognise(split->images.data() + k * 256, 16, &e), label) << "image " << k;
      per_class[size_t(label)]++;
      extents.insert(e);
    }
    for (int64_t c : per_class) EXPECT_EQ(c, n / 4);  // balanced
  }
  EXPECT_EQ(*extents.begin(), 6);
  EXPECT_EQ(*extents.rbegin(), 12);
}

TEST(ShapeImages, ShapesAtEveryExtentAreRecognised) {
  for (int64_t e = 3; e <= 16; ++e)
    for (int64_t kind = 0; kind < 4; ++kind) {
      if (e < 6 && kind == int64_t(ShapeKind::circle)) continue;  // tiny disks are squares or crosses
      const Tensor img = draw_shape(ShapeKind(kind), 16, e, 16 - e, 0);
      EXPECT_EQ(recognise(img.data(), 16), kind) << "extent " << e << " class " << kind;
    }
  // Pixel counts worked out by hand: a 5-box square 25, a 6-box cross with arms 2 thick
  // 2·6·2 − 2·2 = 20, a 7-box triangle 1+1+3+3+5+5+7 = 25, a 7-box disk 3+5+7+7+7+5+3 = 37.
  auto lit = [](const Tensor& t) { return std::count(t.begin(), t.end(), real(1)); };
  EXPECT_EQ(lit(draw_shape(ShapeKind::square, 8, 5, 0, 0)), 25);
  EXPECT_EQ(lit(draw_shape(ShapeKind::cross, 8, 6, 1, 2)), 20);
  EXPECT_EQ(lit(draw_shape(ShapeKind::triangle, 8, 7, 0, 0)), 25);
  EXPECT_EQ(lit(draw_shape(ShapeKind::circle, 8, 7, 1, 1)), 37);
  EXPECT_THROW(draw_shape(ShapeKind::square, 8, 5, 4, 0), Error);
  EXPECT_THROW(draw_shape(ShapeKind::square, 8, 2, 0, 0), Error);
  EXPECT_THROW(draw_shape(ShapeKind::square, 8, 5, -1, 0), Error);
}

TEST(ShapeImages, NoTestImageIsATrainingImage) {
  const ImageDataset data = shape_images({.n_train = 600, .n_test = 200, .seed = 5});
  std::set<std::vector<real>> train;
  for (int64_t k = 0; k < 600; ++k)
    train.insert(std::vector<real>(data.train.images.data() + k * 256, data.train.images.data() + (k + 1) * 256));
  EXPECT_EQ(train.size(), 600u);
  for (int64_t k = 0; k < 200; ++k)
    EXPECT_FALSE(train.count(std::vector<real>(data.test.images.data() + k * 256, data.test.images.data() + (k + 1) * 256)));
}

TEST(ShapeImages, DeterministicNoisyAndChecked) {
  const ImageDataset a = shape_images({.n_train = 40, .n_test = 8, .noise_std = 0.1f, .seed = 2});
  const ImageDataset b = shape_images({.n_train = 40, .n_test = 8, .noise_std = 0.1f, .seed = 2});
  EXPECT_EQ(a.train.images.to_vector(), b.train.images.to_vector());
  EXPECT_EQ(a.test.labels.to_vector(), b.test.labels.to_vector());
  // Same shapes as without noise; the noise has the requested spread.
  const ImageDataset clean = shape_images({.n_train = 40, .n_test = 8, .seed = 2});
  EXPECT_EQ(a.train.labels.to_vector(), clean.train.labels.to_vector());
  double sq = 0;
  for (int64_t i = 0; i < a.train.images.numel(); ++i) {
    const double d = double(a.train.images[i]) - double(clean.train.images[i]);
    sq += d * d;
  }
  EXPECT_NEAR(std::sqrt(sq / double(a.train.images.numel())), 0.1, 0.01);
  EXPECT_NE(shape_images({.n_train = 40, .n_test = 8, .seed = 3}).train.labels.to_vector(), clean.train.labels.to_vector());
  EXPECT_THROW(shape_images({.min_extent = 2}), Error);
  EXPECT_THROW(shape_images({.size = 8, .max_extent = 9}), Error);
  EXPECT_THROW(shape_images({.size = 8, .min_extent = 6, .max_extent = 8, .n_train = 100}), Error);  // 14 per class
}

}  // namespace
}  // namespace atn
