// Selection kernels (tensor/index_ops.h): hand-computed values, gather/scatter duality, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "tensor/index_ops.h"
#include "tensor/rng.h"

namespace atn {
namespace {

using V = std::vector<real>;

TEST(IndexOps, IndexSelectRowsColumnsAndShapes) {
  // t = [[0, 1], [2, 3], [4, 5]]
  const Tensor t = Tensor::arange(6).reshape({3, 2});
  const Tensor rows = index_select(t, 0, Tensor::from({2, 0, 2}));
  EXPECT_EQ(rows.shape(), (Shape{3, 2}));
  EXPECT_EQ(rows.to_vector(), (V{4, 5, 0, 1, 4, 5}));  // rows 2, 0, 2
  const Tensor col = index_select(t, -1, Tensor::from({1}));
  EXPECT_EQ(col.shape(), (Shape{3, 1}));
  EXPECT_EQ(col.to_vector(), (V{1, 3, 5}));
  // 2-D indices replace the axis by their shape: [3, 2] → [2, 2, 2].
  const Tensor grid = index_select(t, 0, Tensor::from({0, 1, 2, 2}, {2, 2}));
  EXPECT_EQ(grid.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(grid.to_vector(), (V{0, 1, 2, 3, 4, 5, 4, 5}));
  // A scalar index drops the axis.
  const Tensor one = index_select(t, 0, Tensor::scalar(1));
  EXPECT_EQ(one.shape(), (Shape{2}));
  EXPECT_EQ(one.to_vector(), (V{2, 3}));
}

TEST(IndexOps, EmbeddingLooksUpRows) {
  // weight [4, 3]: row r is [3r, 3r+1, 3r+2]; ids [[3, 0], [1, 1]] → [2, 2, 3].
  const Tensor w = Tensor::arange(12).reshape({4, 3});
  const Tensor e = embedding(w, Tensor::from({3, 0, 1, 1}, {2, 2}));
  EXPECT_EQ(e.shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(e.to_vector(), (V{9, 10, 11, 0, 1, 2, 3, 4, 5, 3, 4, 5}));
}

TEST(IndexOps, IndexAddAccumulatesRepeatedIndices) {
  // Rows 0, 2, 0 receive [1, 1], [2, 2], [3, 3]: row 0 gets 1 + 3 = 4, row 2 gets 2, row 1 nothing.
  Tensor target = Tensor::zeros({3, 2});
  index_add_(target, 0, Tensor::from({0, 2, 0}), Tensor::from({1, 1, 2, 2, 3, 3}, {3, 2}));
  EXPECT_EQ(target.to_vector(), (V{4, 4, 0, 0, 2, 2}));
  // Along axis 1: columns 1, 1 of a [2, 2] get [[1, 2], [3, 4]] → column 1 = [3, 7].
  Tensor t2 = Tensor::zeros({2, 2});
  index_add_(t2, 1, Tensor::from({1, 1}), Tensor::from({1, 2, 3, 4}, {2, 2}));
  EXPECT_EQ(t2.to_vector(), (V{0, 3, 0, 7}));
}

TEST(IndexOps, GatherAndScatterAddSmallCase) {
  // t = [[1, 2], [3, 4]]. Along axis 1, out[i][j] = t[i][index[i][j]]:
  // index [[0, 0], [1, 0]] → [[t00, t00], [t11, t10]] = [[1, 1], [4, 3]].
  const Tensor t = Tensor::from({1, 2, 3, 4}, {2, 2});
  const Tensor index = Tensor::from({0, 0, 1, 0}, {2, 2});
  EXPECT_EQ(gather(t, 1, index).to_vector(), (V{1, 1, 4, 3}));
  // Along axis 0, out[i][j] = t[index[i][j]][j]: index [[1, 0]] → [[t10, t01]] = [[3, 2]].
  const Tensor g0 = gather(t, 0, Tensor::from({1, 0}, {1, 2}));
  EXPECT_EQ(g0.shape(), (Shape{1, 2}));
  EXPECT_EQ(g0.to_vector(), (V{3, 2}));
  // scatter_add is the way back: src [[1, 2], [3, 4]] with the same index along axis 1 adds
  // 1 + 2 into [0][0], 3 into [1][1] and 4 into [1][0] → [[3, 0], [4, 3]].
  EXPECT_EQ(scatter_add({2, 2}, 1, index, t).to_vector(), (V{3, 0, 4, 3}));
}

TEST(IndexOps, GatherAndScatterAddAreAdjoint) {
  // <gather(x, idx), y> = <x, scatter_add(y, idx)>: the identity that makes scatter_add
  // gather's backward. Index smaller than x off the axis, as PyTorch allows.
  Rng rng(3);
  const Tensor x = Tensor::randn({3, 4, 5}, rng);
  Tensor idx({2, 6, 5});
  for (real& v : idx) v = real(rng.below(4));
  const Tensor y = Tensor::randn({2, 6, 5}, rng);
  const Tensor gx = gather(x, 1, idx), sy = scatter_add(x.shape(), 1, idx, y);
  double lhs = 0, rhs = 0;
  for (int64_t i = 0; i < y.numel(); ++i) lhs += double(gx[i]) * y[i];
  for (int64_t i = 0; i < x.numel(); ++i) rhs += double(x[i]) * sy[i];
  EXPECT_NEAR(lhs, rhs, 1e-4);
}

TEST(IndexOps, MaskedFillWithMinusInfinity) {
  // A causal mask [3, 3] (1 above the diagonal) over scores [2, 3, 3]: both batches are masked.
  const Tensor scores = Tensor::arange(18).reshape({2, 3, 3});
  const Tensor causal = Tensor::from({0, 1, 1, 0, 0, 1, 0, 0, 0}, {3, 3});
  const Tensor m = masked_fill(scores, causal, -INFINITY);
  ASSERT_EQ(m.shape(), (Shape{2, 3, 3}));
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 3; ++j) {
        if (j > i) EXPECT_TRUE(std::isinf(m.at({b, i, j})) && m.at({b, i, j}) < 0);
        else EXPECT_EQ(m.at({b, i, j}), real(9 * b + 3 * i + j));
      }
  // A [1, 4] mask on [3, 4] fills the same columns of every row.
  const Tensor cols = masked_fill(Tensor::ones({3, 4}), Tensor::from({1, 0, 0, 1}, {1, 4}), 7);
  EXPECT_EQ(cols.to_vector(), (V{7, 1, 1, 7, 7, 1, 1, 7, 7, 1, 1, 7}));
}

TEST(IndexOps, WhereBroadcastsThreeWays) {
  // cond [3, 1] = [1, 0, 1], a [1, 2] = [[10, 20]], b scalar -1 → [[10, 20], [-1, -1], [10, 20]].
  const Tensor w = where(Tensor::from({1, 0, 1}, {3, 1}), Tensor::from({10, 20}, {1, 2}), Tensor::scalar(-1));
  EXPECT_EQ(w.shape(), (Shape{3, 2}));
  EXPECT_EQ(w.to_vector(), (V{10, 20, -1, -1, 10, 20}));
  // Any nonzero counts as true; same shapes need no broadcasting.
  EXPECT_EQ(where(Tensor::from({0, 2, -1}), Tensor::from({1, 2, 3}), Tensor::from({4, 5, 6})).to_vector(),
            (V{4, 2, 3}));
}

TEST(IndexOps, IndicesAreChecked) {
  const Tensor t = Tensor::arange(6).reshape({3, 2});
  try {
    index_select(t, 0, Tensor::from({0, 5}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "index_select: index 5 out of range [0, 3) along axis 0 of [3, 2]");
  }
  try {
    gather(t, 1, Tensor::from({0, 1.5f}, {1, 2}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "gather: index 1.5 is not a whole number");
  }
  EXPECT_THROW(index_select(t, 0, Tensor::from({-1})), Error);  // negative indices are rejected
  EXPECT_THROW(index_select(t, 0, Tensor::from({NAN})), Error);
  EXPECT_THROW(index_select(t, 2, Tensor::from({0})), Error);   // axis out of range
  EXPECT_THROW(embedding(t, Tensor::from({3})), Error);         // row 3 of 3
  EXPECT_THROW(embedding(Tensor::arange(3), Tensor::from({0})), Error);  // weight not 2-D
  EXPECT_THROW(gather(t, 1, Tensor::from({2}, {1, 1})), Error);  // column 2 of 2
  EXPECT_THROW(gather(t, 1, Tensor::from({0})), Error);           // index has the wrong rank
  EXPECT_THROW(gather(t, 1, Tensor::zeros({4, 1})), Error);       // 4 rows > 3 off the axis
  Tensor target = Tensor::zeros({3, 2});
  EXPECT_THROW(scatter_add_(target, 0, Tensor::from({3}, {1, 1}), Tensor::ones({1, 1})), Error);
  EXPECT_THROW(scatter_add_(target, 0, Tensor::zeros({1, 1}), Tensor::ones({1, 2})), Error);  // src ≠ index
  EXPECT_THROW(index_add_(target, 0, Tensor::from({0, 9}), Tensor::ones({2, 2})), Error);
  EXPECT_EQ(target.to_vector(), (V{0, 0, 0, 0, 0, 0}));  // a failed index_add_ wrote nothing
  EXPECT_THROW(index_add_(target, 0, Tensor::from({0}), Tensor::ones({2, 2})), Error);  // src shape
}

TEST(IndexOps, MaskAndWhereShapesAreChecked) {
  try {
    masked_fill(Tensor::zeros({3, 4}), Tensor::zeros({2, 3, 4}), 0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "masked_fill: mask [2, 3, 4] does not broadcast to [3, 4]");
  }
  EXPECT_THROW(masked_fill(Tensor::zeros({3, 4}), Tensor::zeros({2, 4}), 0), Error);
  EXPECT_THROW(where(Tensor::zeros({3}), Tensor::zeros({4}), Tensor::zeros({1})), Error);
  EXPECT_THROW(where(Tensor::zeros({3, 1}), Tensor::zeros({1, 4}), Tensor::zeros({2})), Error);
}

}  // namespace
}  // namespace atn
