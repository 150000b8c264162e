// Shaw et al. relative positions (nn/relative_position.h): clipped offsets, shared rows, the two
// attention terms against direct loops, gradients and errors.
#include <gtest/gtest.h>

#include <algorithm>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "nn/relative_position.h"

namespace atn {
namespace {

TEST(RelativePosition, ClippedIndicesByHand) {
  Rng rng(1);
  RelativePositionEmbedding rel(2, 3, rng);
  auto named = rel.named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "key_table");
  EXPECT_EQ(named[1].first, "value_table");
  EXPECT_EQ(rel.key_table.shape(), (Shape{5, 3}));
  EXPECT_EQ(rel.type_name(), "RelativePositionEmbedding(k=2, d_head=3)");
  // Row of (i, j) = clip(j − i, −2, 2) + 2.
  // i=0: j−i = 0,1,2,3 → 2,3,4,4     i=1: −1,0,1,2 → 1,2,3,4
  // i=2: −2,−1,0,1 → 0,1,2,3         i=3: −3,−2,−1,0 → 0,0,1,2
  EXPECT_EQ(rel.indices(4, 4).to_vector(), (std::vector<real>{2, 3, 4, 4, 1, 2, 3, 4, 0, 1, 2, 3, 0, 0, 1, 2}));
  // One new query at position 3 (KV cache, q_offset = Lk − Lq = 3): the last row above.
  EXPECT_EQ(rel.indices(1, 4, 3).to_vector(), (std::vector<real>{0, 0, 1, 2}));
}

TEST(RelativePosition, OffsetsBeyondTheClipShareOneVector) {
  Rng rng(2);
  const int64_t k = 2, L = 10;
  RelativePositionEmbedding rel(k, 4, rng);
  Tensor a = rel.key_embeddings(L, L).value();  // [L, L, 4]
  EXPECT_EQ(a.shape(), (Shape{L, L, 4}));
  auto row = [&](int64_t i, int64_t j) {
    return Tensor::from({a.at({i, j, 0}), a.at({i, j, 1}), a.at({i, j, 2}), a.at({i, j, 3})});
  };
  auto table_row = [&](int64_t r) { return rel.key_table.value().reshape({-1}).narrow0(r * 4, 4).clone(); };
  // j − i = k+3 = 5 and k+5 = 7 both read row 2k; −9 and −3 both read row 0; within the clip,
  // each offset has its own row (j − i = 1 → row k+1).
  EXPECT_TRUE(allclose(row(0, 5), table_row(2 * k)));
  EXPECT_TRUE(allclose(row(2, 9), table_row(2 * k)));
  EXPECT_TRUE(allclose(row(9, 0), table_row(0)));
  EXPECT_TRUE(allclose(row(5, 2), table_row(0)));
  EXPECT_TRUE(allclose(row(3, 4), table_row(k + 1)));
  EXPECT_FALSE(allclose(row(3, 4), table_row(2 * k)));
  // Same for the value table.
  Tensor v = rel.value_embeddings(L, L).value();
  EXPECT_FLOAT_EQ(v.at({1, 8, 2}), rel.value_table.value().at({2 * k, 2}));

  // Gradient: a seed only on pairs with j − i > k reaches only the last row of the key table.
  Var q = param(Tensor::randn({L, 4}, rng));
  Var s = rel.score_bias(q, L);
  Tensor seed({L, L});
  for (int64_t i = 0; i < L; ++i)
    for (int64_t j = i + k + 1; j < L; ++j) seed.at({i, j}) = 1;
  backward(s, seed);
  const Tensor& g = rel.key_table.grad();
  for (int64_t r = 0; r < 2 * k + 1; ++r)
    for (int64_t c = 0; c < 4; ++c) {
      if (r == 2 * k) {
        EXPECT_NE(g.at({r, c}), 0);
      } else {
        EXPECT_EQ(g.at({r, c}), 0) << "row " << r;
      }
    }
  // That row's gradient is Σ over those pairs of q_i (each pair adds q_i · 1).
  for (int64_t c = 0; c < 4; ++c) {
    double expect = 0;
    for (int64_t i = 0; i < L; ++i) expect += double(std::max<int64_t>(0, L - (i + k + 1))) * q.value().at({i, c});
    EXPECT_NEAR(g.at({2 * k, c}), expect, 1e-4);
  }
}

TEST(RelativePosition, TermsMatchLoops) {
  Rng rng(3);
  const int64_t B = 2, H = 3, Lq = 3, Lk = 5, dh = 4, off = Lk - Lq;
  RelativePositionEmbedding rel(2, dh, rng);
  Tensor q = Tensor::randn({B, H, Lq, dh}, rng), attn = Tensor::rand({B, H, Lq, Lk}, rng);
  Tensor s = rel.score_bias(Var(q), Lk, off).value();
  Tensor z = rel.value_term(Var(attn), off).value();
  ASSERT_EQ(s.shape(), (Shape{B, H, Lq, Lk}));
  ASSERT_EQ(z.shape(), (Shape{B, H, Lq, dh}));
  const Tensor &wk = rel.key_table.value(), &wv = rel.value_table.value();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < Lq; ++i) {
        for (int64_t j = 0; j < Lk; ++j) {
          const int64_t r = std::clamp<int64_t>(j - (off + i), -2, 2) + 2;
          double e = 0;  // q_i · a^K_ij
          for (int64_t c = 0; c < dh; ++c) e += q.at({b, h, i, c}) * wk.at({r, c});
          EXPECT_NEAR(s.at({b, h, i, j}), e, 1e-5);
        }
        for (int64_t c = 0; c < dh; ++c) {
          double zc = 0;  // Σ_j α_ij a^V_ij
          for (int64_t j = 0; j < Lk; ++j)
            zc += attn.at({b, h, i, j}) * wv.at({std::clamp<int64_t>(j - (off + i), -2, 2) + 2, c});
          EXPECT_NEAR(z.at({b, h, i, c}), zc, 1e-5);
        }
      }
}

TEST(RelativePosition, Gradcheck) {
  Rng rng(4);
  RelativePositionEmbedding rel(1, 3, rng);
  for (Shape qs : {Shape{2, 2, 4, 3}, Shape{4, 3}}) {
    Var q = param(Tensor::randn(qs, rng));
    auto r = gradcheck([&](const std::vector<Var>& v) { return rel.score_bias(v[0], 6, 1); }, {q, rel.key_table});
    EXPECT_TRUE(r.ok) << "score_bias " << to_string(qs) << "\n" << r.report;
    Shape as = qs;
    as.back() = 6;
    Var attn = param(Tensor::rand(as, rng));
    r = gradcheck([&](const std::vector<Var>& v) { return rel.value_term(v[0], 2); }, {attn, rel.value_table});
    EXPECT_TRUE(r.ok) << "value_term " << to_string(as) << "\n" << r.report;
  }
}

TEST(RelativePosition, BadInput) {
  Rng rng(5);
  try {
    RelativePositionEmbedding(-1, 4, rng);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "RelativePositionEmbedding: need max_relative_position >= 0 and d_head >= 1, got -1 and 4");
  }
  RelativePositionEmbedding rel(2, 4, rng);
  try {
    rel.score_bias(Var(Tensor::zeros({2, 3, 5})), 3);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "RelativePositionEmbedding::score_bias: q [2, 3, 5] is not [..., Lq, d_head] with d_head=4");
  }
  EXPECT_THROW(rel.score_bias(Var(Tensor::zeros({3, 4})), 0), Error);
  EXPECT_THROW(rel.value_term(Var(Tensor::zeros({3}))), Error);
  EXPECT_THROW(rel.indices(2, 2, -1), Error);
}

}  // namespace
}  // namespace atn
