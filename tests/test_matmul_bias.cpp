// gemm with a bias row (C = bias + op(A)·op(B)), as linear() runs it: the same bits as copying
// the bias into every row of C and accumulating, on both fast paths, for any thread count; the
// naive loops agree within rounding; bias with accumulate is refused.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "tensor/matmul.h"
#include "tensor/rng.h"
#include "tensor/thread_pool.h"
#include "tests/gemm_test_util.h"
#include "tests/test_util.h"

namespace atn {
namespace {

using testing_util::KeepThreadCount;

using testing_util::FastGemm;
using testing_util::kFastGemms;
using testing_util::randn;
using testing_util::same_bits;

// Shapes with partial micro-tiles and tiles at both edges (every build's MR, NR, MC, NC), one KC
// slice and several (KC = 256), and products big enough to be split over threads.
const std::vector<std::vector<int64_t>> kShapes = {
    {1, 1, 1},     {5, 7, 3},       {12, 32, 256},   {13, 33, 257},  {47, 127, 30},   {49, 129, 513},
    {2, 300, 600}, {203, 301, 600}, {128, 128, 768}, {768, 65, 128}, {100, 40, 1000},
};

TEST(MatmulBias, SameBitsAsCopyingTheBiasAndAccumulating) {
  KeepThreadCount keep;
  Rng rng(21);
  for (const auto& s : kShapes) {
    const int64_t M = s[0], N = s[1], K = s[2];
    const std::vector<real> a = randn(M * K, rng), b = randn(K * N, rng), bias = randn(N, rng);
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      for (const FastGemm& fast : kFastGemms)
        for (int threads : {1, 2}) {
          set_num_threads(threads);
          std::vector<real> want(size_t(M * N)), got(size_t(M * N), -5);
          for (int64_t i = 0; i < M; ++i) std::copy(bias.begin(), bias.end(), want.begin() + i * N);
          fast.fn(M, N, K, a.data(), ta, b.data(), tb, want.data(), true, nullptr, {});
          fast.fn(M, N, K, a.data(), ta, b.data(), tb, got.data(), false, bias.data(), {});
          EXPECT_TRUE(same_bits(got, want)) << fast.name << " " << M << "x" << N << "x" << K << " trans_a=" << ta
                                            << " trans_b=" << tb << " threads=" << threads;
        }
    }
  }
}

// The naive loops add the bias to the finished sum; the fast paths to its first KC slice. Both
// round within K·ε·(|A|·|B|)ᵢⱼ + ε·|bias_j| of the exact value.
TEST(MatmulBias, NaiveAgreesWithinRounding) {
  Rng rng(22);
  const real eps = std::numeric_limits<real>::epsilon();
  for (const auto& s : kShapes) {
    const int64_t M = s[0], N = s[1], K = s[2];
    if (M * N * K > 3000000) continue;  // the naive loops are slow
    const std::vector<real> a = randn(M * K, rng), b = randn(K * N, rng);
    std::vector<real> bias = randn(N, rng);
    for (auto& x : bias) x *= 10;  // large enough that forgetting it could not pass
    std::vector<real> abs_a(a), abs_b(b), bound(size_t(M * N)), plain(size_t(M * N));
    for (auto& x : abs_a) x = std::fabs(x);
    for (auto& x : abs_b) x = std::fabs(x);
    gemm_naive(M, N, K, abs_a.data(), false, abs_b.data(), false, bound.data());
    gemm_naive(M, N, K, a.data(), false, b.data(), false, plain.data());
    std::vector<real> naive(size_t(M * N)), fast(size_t(M * N));
    gemm_naive(M, N, K, a.data(), false, b.data(), false, naive.data(), false, bias.data());
    gemm(M, N, K, a.data(), false, b.data(), false, fast.data(), false, bias.data());
    int bad = 0;
    for (int64_t i = 0; i < M * N && bad < 3; ++i) {
      const real bj = bias[size_t(i % N)];
      // The naive result is exactly the rounded bias + sum.
      if (naive[i] != bj + plain[i]) ADD_FAILURE() << "naive at " << i << ": " << naive[i] << " (" << ++bad << ")";
      const real tol = 3 * real(K + 2) * eps * bound[i] + 4 * eps * (std::fabs(bj) + std::fabs(naive[i])) + 1e-30f;
      if (std::fabs(fast[i] - naive[i]) > tol)
        ADD_FAILURE() << M << "x" << N << "x" << K << " at " << i << ": fast " << fast[i] << ", naive " << naive[i]
                      << ", allowed " << tol << " (" << ++bad << ")";
    }
  }
}

// An empty sum (K = 0) is 0: every row of C becomes the bias.
TEST(MatmulBias, EmptySumGivesTheBias) {
  const std::vector<real> bias = {1, -2, 3};
  for (const FastGemm& fast : kFastGemms) {
    std::vector<real> c(6, 9);
    fast.fn(2, 3, 0, nullptr, false, nullptr, false, c.data(), false, bias.data(), {});
    EXPECT_EQ(c, (std::vector<real>{1, -2, 3, 1, -2, 3})) << fast.name;
  }
  std::vector<real> c(6, 9);
  gemm_naive(2, 3, 0, nullptr, false, nullptr, false, c.data(), false, bias.data());
  EXPECT_EQ(c, (std::vector<real>{1, -2, 3, 1, -2, 3}));
}

// A bias row gives the sum its start, and so does accumulate: both at once is refused, by name.
TEST(MatmulBias, BiasWithAccumulateThrows) {
  const std::vector<real> a(6, 1), b(6, 1), bias(2, 1);
  std::vector<real> c(4, 0);
  for (const FastGemm& fast : kFastGemms) {
    try {
      fast.fn(2, 2, 3, a.data(), false, b.data(), false, c.data(), true, bias.data(), {});
      ADD_FAILURE() << fast.name << ": no exception";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("bias row and accumulate"), std::string::npos) << what;
    }
  }
  EXPECT_THROW(gemm_naive(2, 2, 3, a.data(), false, b.data(), false, c.data(), true, bias.data()), Error);
  EXPECT_EQ(c, std::vector<real>(4, 0)) << "nothing written before the check";
}

}  // namespace
}  // namespace atn
