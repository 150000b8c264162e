// Matmul: the two fast gemm paths (packed, in place) and the size rule between them against the
// naive loops and against each other (odd sizes, block edges, transposes, accumulate, operands at
// unaligned addresses), the batched broadcasting matmul, bit-identical results for any thread
// count, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "tensor/matmul.h"
#include "tensor/rng.h"
#include "tensor/thread_pool.h"
#include "tests/gemm_test_util.h"
#include "tests/test_util.h"

namespace atn {
namespace {

using testing_util::KeepThreadCount;

// x stored rows × cols → its transpose, stored cols × rows.
std::vector<real> transpose(const std::vector<real>& x, int64_t rows, int64_t cols) {
  std::vector<real> t(x.size());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) t[j * rows + i] = x[i * cols + j];
  return t;
}

using testing_util::FastGemm;
using testing_util::kFastGemms;
using testing_util::product_on_1_2_3_threads;
using testing_util::randn;
using testing_util::same_bits;

TEST(Matmul, HandComputedAllTransposes) {
  // [[1,2,3],[4,5,6]] · [[1,0],[0,1],[1,1]] = [[1+3, 2+3], [4+6, 5+6]] = [[4,5],[10,11]]
  const std::vector<real> a = {1, 2, 3, 4, 5, 6}, b = {1, 0, 0, 1, 1, 1};
  const std::vector<real> at = transpose(a, 2, 3), bt = transpose(b, 3, 2);
  const std::vector<real> want = {4, 5, 10, 11};
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 1, tb = t & 2;
    std::vector<real> c(4, -1);
    gemm(2, 2, 3, (ta ? at : a).data(), ta, (tb ? bt : b).data(), tb, c.data());
    EXPECT_EQ(c, want) << "trans_a=" << ta << " trans_b=" << tb;
    gemm(2, 2, 3, (ta ? at : a).data(), ta, (tb ? bt : b).data(), tb, c.data(), true);
    EXPECT_EQ(c, (std::vector<real>{8, 10, 20, 22})) << "accumulate doubles it";
  }
  const Tensor ta = Tensor::from(at, {3, 2}), tb = Tensor::from(b, {3, 2});
  EXPECT_EQ(matmul(ta, tb, true, false).to_vector(), want);
}

// For every (M, N, K): the fast gemm with each (trans_a, trans_b), overwriting and accumulating,
// against the naive loops. Rounding: each result is within K·ε·(|A|·|B|)ᵢⱼ of the exact sum
// (Higham, "Accuracy and Stability of Numerical Algorithms", §3.5), so two of them differ by at
// most twice that; the tolerance allows a little more.
TEST(Matmul, FastAgreesWithNaive) {
  // Sizes around 1, odd sizes, and both sides of every block size of every build (micro-tiles
  // of 6/8/12 rows × 8/12/16/32 columns, tiles of 48 rows × 128/132 columns, KC = 256 along k).
  const std::vector<std::vector<int64_t>> sizes = {
      {1, 1, 1},     {7, 7, 7},      {33, 33, 33},   {129, 129, 129}, {1, 33, 7},     {33, 1, 129},
      {7, 129, 1},   {13, 17, 257},  {12, 32, 256},  {11, 31, 255},   {97, 257, 100}, {49, 40, 513},
      {48, 128, 64}, {47, 127, 30},  {2, 300, 520},  {300, 3, 40},   {5, 2, 3},      {1, 64, 32},
      {64, 64, 32},  {10, 10, 8},
  };
  Rng rng(7);
  const real eps = std::numeric_limits<real>::epsilon();
  for (const auto& s : sizes) {
    const int64_t M = s[0], N = s[1], K = s[2];
    const std::vector<real> a = randn(M * K, rng), b = randn(K * N, rng), c0 = randn(M * N, rng);
    const std::vector<real> at = transpose(a, M, K), bt = transpose(b, K, N);
    std::vector<real> want(size_t(M * N)), bound(size_t(M * N));
    gemm_naive(M, N, K, a.data(), false, b.data(), false, want.data());
    std::vector<real> abs_a(a), abs_b(b);
    for (auto& x : abs_a) x = std::fabs(x);
    for (auto& x : abs_b) x = std::fabs(x);
    gemm_naive(M, N, K, abs_a.data(), false, abs_b.data(), false, bound.data());
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      const real* pa = ta ? at.data() : a.data();
      const real* pb = tb ? bt.data() : b.data();
      std::vector<std::vector<real>> results;  // overwritten and accumulated, per fast gemm
      for (const FastGemm& fast : kFastGemms) {
        std::vector<real> got(size_t(M * N), 99), acc(c0);
        fast.fn(M, N, K, pa, ta, pb, tb, got.data(), false, nullptr, {});
        fast.fn(M, N, K, pa, ta, pb, tb, acc.data(), true, nullptr, {});
        int bad = 0;
        for (int64_t i = 0; i < M * N && bad < 3; ++i) {
          const real tol = 3 * real(K + 2) * eps * bound[i] + 1e-30f;
          if (std::fabs(got[i] - want[i]) > tol ||
              std::fabs(acc[i] - (c0[i] + want[i])) > tol + 2 * eps * std::fabs(c0[i]))
            ADD_FAILURE() << fast.name << " " << M << "x" << N << "x" << K << " trans_a=" << ta << " trans_b=" << tb
                          << " at " << i << ": fast " << got[i] << " (accumulated " << acc[i] << " from " << c0[i]
                          << "), naive " << want[i] << ", allowed error " << tol << " (" << ++bad << ")";
        }
        results.push_back(got);
        results.push_back(acc);
      }
      // Both paths run the same micro-kernel over the same values in the same order: same bits.
      for (size_t r = 2; r < results.size(); ++r)
        EXPECT_TRUE(same_bits(results[r], results[r % 2])) << kFastGemms[r / 2].name << " vs gemm, " << M << "x" << N
                                                            << "x" << K << " trans_a=" << ta << " trans_b=" << tb;
      // The naive loops read the same values in the same order whatever the storage.
      if (M * N * K > 100000) continue;  // (checked on the smaller sizes only: it is slow)
      std::vector<real> naive_t(size_t(M * N));
      gemm_naive(M, N, K, pa, ta, pb, tb, naive_t.data());
      EXPECT_TRUE(same_bits(naive_t, want));
    }
  }
}

TEST(Matmul, EmptySizes) {
  // K = 0: an empty sum is 0; accumulating it leaves C as it was.
  std::vector<real> c(6, 7);
  gemm(2, 3, 0, nullptr, false, nullptr, false, c.data(), true);
  EXPECT_EQ(c, std::vector<real>(6, 7));
  gemm(2, 3, 0, nullptr, false, nullptr, false, c.data());
  EXPECT_EQ(c, std::vector<real>(6, 0));
  gemm(0, 3, 4, nullptr, false, nullptr, false, nullptr);  // nothing to compute, nothing touched
  EXPECT_EQ(matmul(Tensor({0, 3}), Tensor({3, 4})).shape(), (Shape{0, 4}));
  EXPECT_EQ(matmul(Tensor({2, 0}), Tensor({0, 3}, 5)).to_vector(), std::vector<real>(6, 0));
  EXPECT_EQ(matmul(Tensor({0, 2, 3}), Tensor({3, 4})).shape(), (Shape{0, 2, 4}));
}

// The batched matmul against a plain loop of gemm_naive over the broadcast batch index.
TEST(Matmul, BatchedBroadcastsBatchDims) {
  Rng rng(3);
  const int64_t M = 5, K = 7, N = 4;
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 1, tb = t & 2;
    // a: [2, 1, M, K] (or [2, 1, K, M]), b: [3, K, N] (or [3, N, K]) → [2, 3, M, N]
    const Tensor a = Tensor::randn(ta ? Shape{2, 1, K, M} : Shape{2, 1, M, K}, rng);
    const Tensor b = Tensor::randn(tb ? Shape{3, N, K} : Shape{3, K, N}, rng);
    const Tensor c = matmul(a, b, ta, tb);
    ASSERT_EQ(c.shape(), (Shape{2, 3, M, N}));
    Tensor want({2, 3, M, N});
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j)
        gemm_naive(M, N, K, a.data() + i * M * K, ta, b.data() + j * K * N, tb, want.data() + (i * 3 + j) * M * N);
    EXPECT_TRUE(allclose(c, want, 1e-5f, 1e-5f)) << "trans_a=" << ta << " trans_b=" << tb;
    EXPECT_TRUE(allclose(matmul_naive(a, b, ta, tb), want, 0, 0));
  }
  // A plain matrix against a stack of them: [M, K] · [3, K, N] → [3, M, N].
  const Tensor a = Tensor::randn({M, K}, rng), b = Tensor::randn({3, K, N}, rng);
  const Tensor c = matmul(a, b);
  ASSERT_EQ(c.shape(), (Shape{3, M, N}));
  for (int64_t j = 0; j < 3; ++j) {
    Tensor want({M, N});
    gemm_naive(M, N, K, a.data(), false, b.data() + j * K * N, false, want.data());
    EXPECT_TRUE(allclose(c.narrow0(j, 1).reshape({M, N}), want, 1e-5f, 1e-5f));
  }
}

// Result bits for one product with 1, 2 and 3 threads, by each path. The shape is far above the
// size below which gemm stays on one thread, has several tiles to share out, partial tiles at
// both edges and three KC slices along k.
TEST(Matmul, BitIdenticalForAnyThreadCount) {
  KeepThreadCount keep;
  Rng rng(11);
  const int64_t M = 203, N = 301, K = 600;
  const std::vector<real> a = randn(M * K, rng), b = randn(K * N, rng), c0 = randn(M * N, rng);
  for (const FastGemm& fast : kFastGemms)
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      const auto results = product_on_1_2_3_threads(fast, M, N, K, a, ta, b, tb, c0, /*accumulate=*/t == 3);
      EXPECT_TRUE(same_bits(results[0], results[1])) << fast.name << " 1 vs 2 threads, trans_a=" << ta << " trans_b=" << tb;
      EXPECT_TRUE(same_bits(results[0], results[2])) << fast.name << " 1 vs 3 threads, trans_a=" << ta << " trans_b=" << tb;
    }
}

// Products on threads that make few tiles of the usual size are cut into smaller tiles (whole
// micro-tiles) so that two or three threads get enough of them; which thread computes which
// elements changes with the thread count, the bits must not. The shapes are the weight gradients
// of the small GPT (gᵀ·x with 768 rows: 128×128, 512×128, 65×128, 384×128), a thin one and one
// with partial micro-tiles on both sides.
TEST(Matmul, SmallerTilesForFewTilesSameBitsForAnyThreadCount) {
  KeepThreadCount keep;
  Rng rng(19);
  const std::vector<std::vector<int64_t>> shapes = {{128, 128, 768}, {512, 128, 768}, {65, 128, 768},
                                                    {384, 128, 768}, {13, 700, 600},  {101, 77, 1000}};
  for (const auto& s : shapes) {
    const int64_t M = s[0], N = s[1], K = s[2];
    const std::vector<real> a = randn(M * K, rng), b = randn(K * N, rng), c0 = randn(M * N, rng);
    for (const FastGemm& fast : kFastGemms)
      for (int t = 0; t < 4; ++t) {
        const bool ta = t & 1, tb = t & 2;
        const auto results = product_on_1_2_3_threads(fast, M, N, K, a, ta, b, tb, c0, /*accumulate=*/t == 1);
        for (int i : {1, 2})
          EXPECT_TRUE(same_bits(results[0], results[size_t(i)]))
              << fast.name << " " << M << "x" << N << "x" << K << " 1 vs " << i + 1 << " threads, trans_a=" << ta
              << " trans_b=" << tb;
      }
  }
}

// Many small matrices are shared out one matrix per task; each must still come out exactly as a
// lone gemm computes it, and match the naive loops.
TEST(Matmul, ManySmallMatricesSplitOverBatch) {
  KeepThreadCount keep;
  Rng rng(5);
  const int64_t B = 128, M = 24, N = 20, K = 40;
  const Tensor a = Tensor::randn({B, M, K}, rng), b = Tensor::randn({B, N, K}, rng);
  Tensor alone({B, M, N});
  for (int64_t i = 0; i < B; ++i)
    gemm(M, N, K, a.data() + i * M * K, false, b.data() + i * N * K, true, alone.data() + i * M * N);
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    const Tensor c = matmul(a, b, false, true);
    EXPECT_TRUE(same_bits(c.to_vector(), alone.to_vector())) << "threads=" << threads;
  }
  EXPECT_TRUE(allclose(alone, matmul_naive(a, b, false, true), 1e-4f, 1e-5f));
}

// Operands anywhere in memory: the in-place path reads A and B where they are, so it must not
// depend on their alignment, must read nothing outside them (the SAN build checks that: each
// operand is its own exactly sized allocation) and must write only C.
TEST(Matmul, OperandsAtAnyAddressAndNothingOutsideCWritten) {
  Rng rng(13);
  for (const auto& s : std::vector<std::vector<int64_t>>{{13, 35, 9}, {30, 64, 17}, {25, 33, 300}}) {
    const int64_t M = s[0], N = s[1], K = s[2];
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      const std::vector<real> a = randn(M * K, rng), b = randn(K * N, rng);
      // The same values one float further on (addresses no longer 64-byte aligned).
      std::vector<real> a1(a.size() + 1), b1(b.size() + 1);
      std::copy(a.begin(), a.end(), a1.begin() + 1);
      std::copy(b.begin(), b.end(), b1.begin() + 1);
      std::vector<real> want(size_t(M * N));
      gemm_packed(M, N, K, a.data(), ta, b.data(), tb, want.data());
      for (const FastGemm& fast : kFastGemms) {
        std::vector<real> c(size_t(M * N + 2), -7);  // one guard value on each side
        fast.fn(M, N, K, a1.data() + 1, ta, b1.data() + 1, tb, c.data() + 1, false, nullptr, {});
        EXPECT_EQ(c.front(), -7) << fast.name;
        EXPECT_EQ(c.back(), -7) << fast.name;
        EXPECT_TRUE(same_bits(std::vector<real>(c.begin() + 1, c.end() - 1), want))
            << fast.name << " " << M << "x" << N << "x" << K << " trans_a=" << ta << " trans_b=" << tb;
      }
    }
  }
}

// gemm's rule sends the shapes of the course's models (one side ≤ 512, or at most 1024³) to the
// in-place path and big square products to the packed one; whichever it picks, the bits are
// those of both paths (checked above), so this only pins down the documented rule.
TEST(Matmul, SizeRulePicksInPlaceForSmallProducts) {
  EXPECT_TRUE(gemm_reads_in_place(768, 384, 128, false, true));   // a GPT layer's Linear
  EXPECT_TRUE(gemm_reads_in_place(64, 64, 32, false, false));     // one attention head
  EXPECT_TRUE(gemm_reads_in_place(4096, 64, 4096, false, false));  // one short side
  EXPECT_TRUE(gemm_reads_in_place(1024, 1024, 1024, false, false));
  EXPECT_FALSE(gemm_reads_in_place(2048, 2048, 2048, false, false));
  EXPECT_FALSE(gemm_reads_in_place(768, 768, 3072, true, false));
}

// Batched products on both sides of the rule and with odd sizes: each matrix of the batch starts
// wherever the one before it ended (no alignment), and broadcast batches reuse one operand.
TEST(Matmul, BatchedOddShapesMatchNaive) {
  Rng rng(17);
  const std::vector<std::vector<int64_t>> shapes = {{3, 5, 7}, {13, 40, 9}, {64, 33, 32}, {70, 129, 31}};
  for (const auto& s : shapes) {
    const int64_t M = s[0], N = s[1], K = s[2];
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      const Tensor a = Tensor::randn(ta ? Shape{3, 1, K, M} : Shape{3, 1, M, K}, rng);
      const Tensor b = Tensor::randn(tb ? Shape{1, 2, N, K} : Shape{1, 2, K, N}, rng);
      const Tensor c = matmul(a, b, ta, tb);
      ASSERT_EQ(c.shape(), (Shape{3, 2, M, N}));
      EXPECT_TRUE(allclose(c, matmul_naive(a, b, ta, tb), 1e-4f, 1e-5f))
          << M << "x" << N << "x" << K << " trans_a=" << ta << " trans_b=" << tb;
      // The last row of the batch, a[2] times b[0] and b[1], is exactly what gemm gives for each.
      std::vector<real> want(size_t(2 * M * N));
      for (int64_t j = 0; j < 2; ++j)
        gemm(M, N, K, a.data() + 2 * M * K, ta, b.data() + j * K * N, tb, want.data() + j * M * N);
      EXPECT_TRUE(same_bits(c.narrow0(2, 1).to_vector(), want));
    }
  }
}

TEST(Matmul, BadShapesThrow) {
  EXPECT_THROW(matmul(Tensor({3, 4}), Tensor({5, 2})), Error);
  try {
    matmul(Tensor({3, 4}), Tensor({5, 2}));
    ADD_FAILURE() << "no exception";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "matmul: inner dimensions differ: [3, 4] x [5, 2]");
  }
  EXPECT_THROW(matmul(Tensor({4, 3}), Tensor({5, 2}), true, true), Error);  // Aᵀ is [3,4], Bᵀ is [2,5]
  EXPECT_THROW(matmul(Tensor({3}), Tensor({3, 2})), Error);
  EXPECT_THROW(matmul(Tensor({2, 3}), Tensor({3})), Error);
  EXPECT_THROW(matmul(Tensor(Shape{}), Tensor({1, 1})), Error);
  EXPECT_THROW(matmul(Tensor({2, 3, 4}), Tensor({3, 4, 5})), Error);  // batch 2 vs 3 do not broadcast
  EXPECT_THROW(matmul_naive(Tensor({3, 4}), Tensor({5, 2})), Error);
}

}  // namespace
}  // namespace atn
