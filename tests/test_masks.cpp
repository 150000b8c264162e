// Masks and sparse patterns (nn/attention/masks.h): each pattern against hand-enumerated sets.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "nn/attention/masks.h"

namespace atn {
namespace {

using Sets = std::vector<std::set<int64_t>>;

// Row i of a square mask as the set of columns holding 1; also checks every entry is 0 or 1.
Sets rows_of(const Tensor& m) {
  Sets out;
  const int64_t n = m.size(0), k = m.size(1);
  for (int64_t i = 0; i < n; ++i) {
    std::set<int64_t> row;
    for (int64_t j = 0; j < k; ++j) {
      EXPECT_TRUE(m[i * k + j] == 0 || m[i * k + j] == 1);
      if (m[i * k + j] == 1) row.insert(j);
    }
    out.push_back(row);
  }
  return out;
}

TEST(Masks, CausalIsLowerTriangularWithDiagonal) {
  Tensor m = causal_mask(5);
  ASSERT_EQ(m.shape(), (Shape{5, 5}));
  for (int64_t i = 0; i < 5; ++i)
    for (int64_t j = 0; j < 5; ++j) EXPECT_EQ(m.at({i, j}), j <= i ? 1 : 0) << i << "," << j;
  // Two new queries after two cached keys: they sit at positions 2 and 3.
  EXPECT_EQ(rows_of(causal_mask(2, 4)), (Sets{{0, 1, 2}, {0, 1, 2, 3}}));
}

TEST(Masks, LocalWindowMatchesTheCourseSets) {
  // N(i) = {j : max(0, i−k+1) ≤ j ≤ i} with k = 3, enumerated by hand for T = 6.
  const Sets expected = {{0}, {0, 1}, {0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 5}};
  EXPECT_EQ(rows_of(local_window_mask(6, 3)), expected);
  EXPECT_EQ(rows_of(local_window_mask(3, 1)), (Sets{{0}, {1}, {2}}));  // k = 1: only itself
  EXPECT_TRUE(allclose(local_window_mask(4, 10), causal_mask(4)));     // k ≥ T: causal
}

TEST(Masks, StridedPatternByHand) {
  // Stride l = 3, T = 7. A(1)_i = {max(0, i−3), …, i}; A(2)_i = {j ≤ i : (i−j) mod 3 = 0}.
  // Union, row by row: i=3 reaches j=0 (i−j = 3); i=6 adds j=0 (i−j = 6) to {3,4,5,6}.
  const Sets both = {{0}, {0, 1}, {0, 1, 2}, {0, 1, 2, 3}, {1, 2, 3, 4}, {2, 3, 4, 5}, {0, 3, 4, 5, 6}};
  EXPECT_EQ(rows_of(strided_mask(7, 3)), both);
  const Sets first = {{0}, {0, 1}, {0, 1, 2}, {0, 1, 2, 3}, {1, 2, 3, 4}, {2, 3, 4, 5}, {3, 4, 5, 6}};
  EXPECT_EQ(rows_of(strided_mask(7, 3, SparsePart::first)), first);
  const Sets second = {{0}, {1}, {2}, {0, 3}, {1, 4}, {2, 5}, {0, 3, 6}};
  EXPECT_EQ(rows_of(strided_mask(7, 3, SparsePart::second)), second);
}

TEST(Masks, FixedPatternByHand) {
  // Stride l = 3, c = 1, T = 7: blocks {0,1,2} {3,4,5} {6}; summary cells j mod 3 = 2: {2, 5}.
  const Sets both = {{0}, {0, 1}, {0, 1, 2}, {2, 3}, {2, 3, 4}, {2, 3, 4, 5}, {2, 5, 6}};
  EXPECT_EQ(rows_of(fixed_mask(7, 3, 1)), both);
  EXPECT_EQ(rows_of(fixed_mask(7, 3, 1, SparsePart::first))[6], (std::set<int64_t>{6}));
  EXPECT_EQ(rows_of(fixed_mask(7, 3, 1, SparsePart::second))[6], (std::set<int64_t>{2, 5}));
  // c = 2: the summary cells are j mod 3 ∈ {1, 2}, so row 6 sees {1, 2, 4, 5, 6}.
  EXPECT_EQ(rows_of(fixed_mask(7, 3, 2))[6], (std::set<int64_t>{1, 2, 4, 5, 6}));
}

TEST(Masks, CombineWindowWithCausalAndPadding) {
  const Tensor window = local_window_mask(6, 3), causal = causal_mask(6);
  // The window lies inside the causal mask: and-ing changes nothing.
  EXPECT_TRUE(allclose(combine(window, causal), window));
  // With the transposed causal mask (j ≥ i) only the diagonal survives.
  Tensor upper({6, 6});
  for (int64_t i = 0; i < 6; ++i)
    for (int64_t j = i; j < 6; ++j) upper[i * 6 + j] = 1;
  EXPECT_EQ(rows_of(combine(window, upper)), (Sets{{0}, {1}, {2}, {3}, {4}, {5}}));
  // Padding [B, 1, 1, L] broadcasts against [L, L]: sequence 1 (length 4) loses keys 4 and 5.
  Tensor both = combine(padding_mask({6, 4}, 6), window);
  ASSERT_EQ(both.shape(), (Shape{2, 1, 6, 6}));
  EXPECT_EQ(rows_of(both.reshape({12, 6}))[6 + 5], (std::set<int64_t>{3}));
  EXPECT_EQ(rows_of(both.reshape({12, 6}))[5], (std::set<int64_t>{3, 4, 5}));
}

TEST(Masks, Padding) {
  Tensor m = padding_mask({2, 3}, 4);
  EXPECT_EQ(m.shape(), (Shape{2, 1, 1, 4}));
  EXPECT_EQ(m.to_vector(), (std::vector<real>{1, 1, 0, 0, 1, 1, 1, 0}));
  Tensor keep = Tensor::from({1, 0, 1, 1}, {2, 2});
  Tensor k = padding_mask(keep);
  EXPECT_EQ(k.shape(), (Shape{2, 1, 1, 2}));
  EXPECT_EQ(k.to_vector(), keep.to_vector());
  EXPECT_FALSE(k.shares_storage_with(keep));
}

TEST(Masks, GraphAdjacency) {
  // Path 0 – 1 – 2.
  const std::vector<std::pair<int64_t, int64_t>> edges = {{0, 1}, {1, 2}};
  EXPECT_EQ(graph_mask(3, edges).to_vector(), (std::vector<real>{1, 1, 0, 1, 1, 1, 0, 1, 1}));
  EXPECT_EQ(graph_mask(3, edges, false, false).to_vector(), (std::vector<real>{0, 1, 0, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(graph_mask(3, edges, true, false).to_vector(), (std::vector<real>{1, 1, 0, 0, 1, 1, 0, 0, 1}));
}

TEST(Masks, BiasAndApply) {
  Tensor bias = mask_to_bias(Tensor::from({1, 0, 1}));
  EXPECT_EQ(bias[0], 0);
  EXPECT_TRUE(std::isinf(bias[1]) && bias[1] < 0);
  EXPECT_EQ(bias[2], 0);
  Var scores(Tensor::from({1, 2, 3, 4, 5, 6}, {2, 3}));
  Var masked = apply_mask(scores, Tensor::from({1, 0, 1}), "test");
  EXPECT_TRUE(std::isinf(masked.value()[1]) && std::isinf(masked.value()[4]));
  EXPECT_EQ(masked.value()[5], 6);
  EXPECT_TRUE(apply_mask(scores, Tensor(), "test").same_as(scores));  // no mask: unchanged
}

TEST(Masks, BadInput) {
  EXPECT_THROW(causal_mask(0), Error);
  EXPECT_THROW(causal_mask(3, 2), Error);
  EXPECT_THROW(local_window_mask(4, 0), Error);
  EXPECT_THROW(strided_mask(4, 0), Error);
  EXPECT_THROW(fixed_mask(4, 2, 3), Error);
  EXPECT_THROW(fixed_mask(4, 2, 0), Error);
  EXPECT_THROW(padding_mask({5}, 4), Error);
  EXPECT_THROW(padding_mask(std::vector<int64_t>{}, 4), Error);
  EXPECT_THROW(padding_mask(Tensor::ones({4})), Error);
  EXPECT_THROW(padding_mask(Tensor::full({1, 2}, 2)), Error);
  EXPECT_THROW(graph_mask(3, {{0, 3}}), Error);
  EXPECT_THROW(mask_to_bias(Tensor::from({0.5f})), Error);
  try {
    combine(Tensor::from({1, 0.5f}), Tensor::ones({2}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "combine: a mask holds only 0 and 1, found 0.5 in a mask [2]");
  }
  Var scores(Tensor::zeros({2, 3}));
  try {
    apply_mask(scores, Tensor::ones({2, 2, 3}), "attend");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "attend: mask [2, 2, 3] does not broadcast to the scores [2, 3]");
  }
  EXPECT_THROW(apply_mask(scores, Tensor::ones({2}), "attend"), Error);
}

}  // namespace
}  // namespace atn
