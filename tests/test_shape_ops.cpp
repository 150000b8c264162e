// Layout kernels (tensor/shape_ops.h): hand-computed values, round trips, errors.
#include <gtest/gtest.h>

#include "tensor/rng.h"
#include "tensor/shape_ops.h"

namespace atn {
namespace {

using V = std::vector<real>;

// arange(n) in the given shape: element (i, j, k) of [2, 3, 4] is 12i + 4j + k.
Tensor iota(Shape shape) { return Tensor::arange(numel(shape)).reshape(std::move(shape)); }

TEST(ShapeOps, TransposeOf2x3) {
  // [[0, 1, 2], [3, 4, 5]]ᵀ = [[0, 3], [1, 4], [2, 5]]
  const Tensor a = iota({2, 3});
  const Tensor t = transpose(a, 0, 1);
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(t.to_vector(), (V{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(transpose(a).to_vector(), t.to_vector());           // default: the last two axes
  EXPECT_EQ(transpose(a, -1, -2).to_vector(), t.to_vector());   // negative axes
  EXPECT_EQ(transpose(t).to_vector(), a.to_vector());           // twice is the identity
  EXPECT_FALSE(t.shares_storage_with(a));                       // a new, contiguous tensor
}

TEST(ShapeOps, TransposeKeepsBatchAxes) {
  // [2, 2, 3]: each of the two [2, 3] matrices is transposed on its own.
  const Tensor t = transpose(iota({2, 2, 3}));
  EXPECT_EQ(t.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(t.to_vector(), (V{0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11}));
}

TEST(ShapeOps, PermuteOf2x3x4ElementByElement) {
  // out = permute(a, {2, 0, 1}) has shape [4, 2, 3] and out(k, i, j) = a(i, j, k) = 12i + 4j + k.
  const Tensor a = iota({2, 3, 4});
  const Tensor out = permute(a, {2, 0, 1});
  ASSERT_EQ(out.shape(), (Shape{4, 2, 3}));
  for (int64_t k = 0; k < 4; ++k)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(out.at({k, i, j}), real(12 * i + 4 * j + k));
  EXPECT_EQ(out.at({3, 1, 2}), 23);  // a(1, 2, 3) = 12 + 8 + 3
  // Negative axes name the same permutation, and the inverse permutation undoes it.
  EXPECT_EQ(permute(a, {-1, 0, -2}).to_vector(), out.to_vector());
  const std::vector<int64_t> inv = inverse_permutation({2, 0, 1});
  EXPECT_EQ(inv, (std::vector<int64_t>{1, 2, 0}));
  EXPECT_EQ(permute(out, inv).to_vector(), a.to_vector());
  EXPECT_EQ(permute(a, {0, 1, 2}).to_vector(), a.to_vector());
}

TEST(ShapeOps, Narrow) {
  // iota [3, 4] rows: [0 1 2 3], [4 5 6 7], [8 9 10 11]
  const Tensor a = iota({3, 4});
  EXPECT_EQ(narrow(a, 1, 1, 2).to_vector(), (V{1, 2, 5, 6, 9, 10}));
  EXPECT_EQ(narrow(a, 1, -2, 2).to_vector(), (V{2, 3, 6, 7, 10, 11}));  // the last two columns
  EXPECT_EQ(narrow(a, 0, 2, 1).to_vector(), (V{8, 9, 10, 11}));
  EXPECT_EQ(narrow(a, -1, 4, 0).shape(), (Shape{3, 0}));  // an empty range at the end is fine
}

TEST(ShapeOps, SliceFollowsPython) {
  const Tensor r = Tensor::arange(10);  // 0..9
  EXPECT_EQ(slice(r, 0, 1, 8, 3).to_vector(), (V{1, 4, 7}));  // r[1:8:3]
  EXPECT_EQ(slice(r, 0, -3).to_vector(), (V{7, 8, 9}));       // r[-3:]
  EXPECT_EQ(slice(r, 0, -100, 2).to_vector(), (V{0, 1}));     // r[-100:2], start clamped to 0
  EXPECT_EQ(slice(r, 0, 0, to_end, 4).to_vector(), (V{0, 4, 8}));  // r[::4]
  EXPECT_EQ(slice(r, 0, 8, 100).to_vector(), (V{8, 9}));      // stop clamped to 10
  EXPECT_EQ(slice(r, 0, 5, 2).numel(), 0);                     // r[5:2] is empty
  EXPECT_EQ(slice(r, 0, 2, -1, 3).to_vector(), (V{2, 5, 8}));  // r[2:-1:3]
  // Every other column of iota [3, 4]: [[0, 2], [4, 6], [8, 10]].
  EXPECT_EQ(slice(iota({3, 4}), 1, 0, to_end, 2).to_vector(), (V{0, 2, 4, 6, 8, 10}));
}

TEST(ShapeOps, SliceAddWritesIntoTheRegion) {
  // Adding ones [3, 2] into columns 1 and 3 (start 1, step 2) of zeros [3, 4].
  Tensor t = Tensor::zeros({3, 4});
  slice_add_(t, 1, 1, 2, Tensor::ones({3, 2}));
  slice_add_(t, 1, 1, 2, Tensor::ones({3, 2}));  // adds, does not overwrite
  EXPECT_EQ(t.to_vector(), (V{0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2}));
  EXPECT_THROW(slice_add_(t, 1, 2, 2, Tensor::ones({3, 2})), Error);  // column 4 does not exist
  EXPECT_THROW(slice_add_(t, 1, 0, 1, Tensor::ones({2, 2})), Error);  // wrong size off the axis
}

TEST(ShapeOps, ConcatAlongEachAxis) {
  const Tensor a = Tensor::from({1, 2, 3, 4}, {2, 2});
  // [[1, 2], [3, 4]] beside [[5], [6]] → [[1, 2, 5], [3, 4, 6]]
  const Tensor c1 = concat({a, Tensor::from({5, 6}, {2, 1})}, 1);
  EXPECT_EQ(c1.shape(), (Shape{2, 3}));
  EXPECT_EQ(c1.to_vector(), (V{1, 2, 5, 3, 4, 6}));
  // above [[7, 8]] → [[1, 2], [3, 4], [7, 8]]
  const Tensor c0 = concat({a, Tensor::from({7, 8}, {1, 2})}, -2);
  EXPECT_EQ(c0.to_vector(), (V{1, 2, 3, 4, 7, 8}));
  EXPECT_EQ(concat({a}, 0).to_vector(), a.to_vector());
  EXPECT_EQ(concat({a, Tensor::zeros({2, 0})}, 1).to_vector(), a.to_vector());  // empty pieces are fine
}

TEST(ShapeOps, SplitAndChunkRoundTripWithConcat) {
  Rng rng(7);
  const Tensor t = Tensor::randn({3, 5, 2}, rng);
  const std::vector<Tensor> pieces = split(t, 1, {1, 3, 1});
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[1].shape(), (Shape{3, 3, 2}));
  EXPECT_EQ(pieces[1].to_vector(), narrow(t, 1, 1, 3).to_vector());
  EXPECT_EQ(concat(pieces, 1).to_vector(), t.to_vector());

  const std::vector<Tensor> thirds = chunk(iota({2, 6}), 3, -1);
  ASSERT_EQ(thirds.size(), 3u);
  EXPECT_EQ(thirds[2].to_vector(), (V{4, 5, 10, 11}));  // columns 4 and 5 of both rows
  EXPECT_EQ(concat(thirds, 1).to_vector(), iota({2, 6}).to_vector());
}

// The sizes of chunk(t, n, axis) along the axis, and that the pieces are t's consecutive slices.
std::vector<int64_t> chunk_lengths(const Tensor& t, int64_t n, int64_t axis) {
  std::vector<int64_t> lengths;
  int64_t start = 0;
  for (const Tensor& p : chunk(t, n, axis)) {
    const int64_t len = p.size(axis);
    EXPECT_EQ(p.to_vector(), narrow(t, axis, start, len).to_vector());
    lengths.push_back(len);
    start += len;
  }
  EXPECT_EQ(start, t.size(axis));
  return lengths;
}

TEST(ShapeOps, ChunkFollowsPyTorch) {
  using L = std::vector<int64_t>;
  EXPECT_EQ(chunk_lengths(iota({2, 7}), 3, 1), (L{3, 3, 1}));
  EXPECT_EQ(chunk_lengths(iota({6, 2}), 4, 0), (L{2, 2, 2}));  // three pieces, as torch.chunk
  EXPECT_EQ(chunk_lengths(iota({2, 6}), 3, -1), (L{2, 2, 2}));
  EXPECT_EQ(chunk_lengths(iota({5}), 2, 0), (L{3, 2}));
  EXPECT_EQ(chunk_lengths(iota({2, 2}), 5, 1), (L{1, 1}));  // never more pieces than elements
  EXPECT_EQ(chunk_lengths(iota({3}), 1, 0), (L{3}));
  EXPECT_EQ(chunk_lengths(iota({7}), INT64_MAX, 0), (L{1, 1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(chunk_lengths(iota({2, 0}), 3, 1), (L{0}));  // an empty axis: one empty piece
}

TEST(ShapeOps, SqueezeAndUnsqueezeAreViews) {
  const Tensor a = iota({2, 3});
  EXPECT_EQ(unsqueeze(a, 0).shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(unsqueeze(a, 1).shape(), (Shape{2, 1, 3}));
  EXPECT_EQ(unsqueeze(a, -1).shape(), (Shape{2, 3, 1}));  // -1 is the new last position
  EXPECT_TRUE(unsqueeze(a, 2).shares_storage_with(a));
  EXPECT_EQ(squeeze(unsqueeze(a, 1), 1).shape(), (Shape{2, 3}));
}

TEST(ShapeOps, ErrorsNameTheOpAndShapes) {
  const Tensor a = iota({2, 3, 4});
  try {
    permute(a, {0, 0, 1});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "permute: [0, 0, 1] is not a permutation of the 3 axes of [2, 3, 4]");
  }
  try {
    concat({iota({2, 3}), iota({3, 3}), iota({2, 4})}, 0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "concat: tensor 2 has shape [2, 4], which does not match [2, 3] outside axis 0");
  }
  EXPECT_THROW(permute(a, {0, 1}), Error);         // too few axes
  EXPECT_THROW(permute(a, {0, 1, 3}), Error);      // axis 3 does not exist
  EXPECT_THROW(transpose(a, 0, 3), Error);         // axis out of range
  EXPECT_THROW(transpose(Tensor::arange(3)), Error);  // a 1-D tensor has no last two axes
  EXPECT_THROW(narrow(a, 1, 2, 2), Error);         // [2, 4) past size 3
  EXPECT_THROW(narrow(a, 3, 0, 1), Error);
  EXPECT_THROW(slice(a, 0, 0, 2, 0), Error);       // step 0
  EXPECT_THROW(slice(a, 0, 2, 0, -1), Error);      // negative steps are not supported
  EXPECT_THROW(concat({}, 0), Error);
  EXPECT_THROW(concat({iota({2, 3}), iota({6})}, 0), Error);  // different numbers of axes
  EXPECT_THROW(concat({iota({2, 3}), iota({2, 3})}, 2), Error);
  EXPECT_THROW(split(a, 1, {1, 1}), Error);        // 2 ≠ 3
  EXPECT_THROW(split(a, 1, {4, -1}), Error);       // negative piece
  EXPECT_THROW(chunk(a, 0, 1), Error);
  EXPECT_THROW(chunk(a, -2, 1), Error);
  EXPECT_THROW(chunk(a, 2, 3), Error);
  EXPECT_THROW(squeeze(a, 0), Error);              // size 2, not 1
  EXPECT_THROW(unsqueeze(a, 4), Error);
}

}  // namespace
}  // namespace atn
