// gemm with row strides (GemmStrides): every fast path and the naive loops, on operands whose rows
// sit inside wider rows, give the same bits as on contiguous copies of them, and write nothing in
// C's rows past its N columns. A stride shorter than its row is an Error.
#include <gtest/gtest.h>

#include <vector>

#include "gemm_test_util.h"
#include "tensor/error.h"

namespace atn {
namespace {

using testing_util::FastGemm;
using testing_util::kFastGemms;
using testing_util::randn;
using testing_util::same_bits;

// rows × cols values of src (contiguous) placed in rows `stride` apart, the gaps filled with
// values the product must never read (a NaN would show up in every sum that touched one).
std::vector<real> widen(const std::vector<real>& src, int64_t rows, int64_t cols, int64_t stride) {
  std::vector<real> out(size_t(std::max<int64_t>(1, rows * stride)), std::numeric_limits<real>::quiet_NaN());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[size_t(r * stride + c)] = src[size_t(r * cols + c)];
  return out;
}

std::vector<real> narrow(const std::vector<real>& src, int64_t rows, int64_t cols, int64_t stride) {
  std::vector<real> out(size_t(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[size_t(r * cols + c)] = src[size_t(r * stride + c)];
  return out;
}

TEST(MatmulStrides, SameBitsAsContiguousOperandsOnEveryPath) {
  // A head of the small GPT read out of c_attn's output (64 rows of 32 in rows of 384), sizes with
  // and without whole micro-tiles, and a long k.
  const std::vector<std::vector<int64_t>> sizes = {{64, 64, 32}, {64, 32, 64}, {13, 17, 9}, {1, 5, 3}, {37, 70, 300}};
  Rng rng(11);
  using Fn = void (*)(int64_t, int64_t, int64_t, const real*, bool, const real*, bool, real*, bool, const real*,
                      const GemmStrides&);
  std::vector<FastGemm> all(std::begin(kFastGemms), std::end(kFastGemms));
  all.push_back({"gemm_naive", static_cast<Fn>(gemm_naive)});
  for (const auto& s : sizes) {
    const int64_t M = s[0], N = s[1], K = s[2];
    for (int t = 0; t < 8; ++t) {
      const bool ta = t & 1, tb = t & 2, accumulate = t & 4;
      const int64_t a_rows = ta ? K : M, a_cols = ta ? M : K, b_rows = tb ? N : K, b_cols = tb ? K : N;
      const GemmStrides st{a_cols + 7, b_cols + 3, N + 5};
      const std::vector<real> a = randn(a_rows * a_cols, rng), b = randn(b_rows * b_cols, rng), c0 = randn(M * N, rng);
      const std::vector<real> wa = widen(a, a_rows, a_cols, st.lda), wb = widen(b, b_rows, b_cols, st.ldb);
      for (const FastGemm& fast : all) {
        std::vector<real> want(c0);
        fast.fn(M, N, K, a.data(), ta, b.data(), tb, want.data(), accumulate, nullptr, {});
        std::vector<real> wc = widen(c0, M, N, st.ldc);
        for (int64_t r = 0; r < M; ++r)  // the gaps of C: must come back untouched
          for (int64_t c = N; c < st.ldc; ++c) wc[size_t(r * st.ldc + c)] = real(-7);
        fast.fn(M, N, K, wa.data(), ta, wb.data(), tb, wc.data(), accumulate, nullptr, st);
        EXPECT_TRUE(same_bits(narrow(wc, M, N, st.ldc), want))
            << fast.name << " " << M << "x" << N << "x" << K << " trans_a=" << ta << " trans_b=" << tb
            << " accumulate=" << accumulate;
        for (int64_t r = 0; r < M; ++r)
          for (int64_t c = N; c < st.ldc; ++c) ASSERT_EQ(wc[size_t(r * st.ldc + c)], real(-7)) << fast.name;
      }
    }
  }
}

TEST(MatmulStrides, AStrideShorterThanItsRowThrows) {
  std::vector<real> a(64, 1), b(64, 1), c(64, 0);
  EXPECT_THROW(gemm(4, 4, 4, a.data(), false, b.data(), false, c.data(), false, nullptr, {3, 0, 0}), Error);
  EXPECT_THROW(gemm(4, 4, 4, a.data(), false, b.data(), true, c.data(), false, nullptr, {0, 2, 0}), Error);
  EXPECT_THROW(gemm_naive(4, 4, 4, a.data(), false, b.data(), false, c.data(), false, nullptr, {0, 0, 3}), Error);
  EXPECT_THROW(gemm_packed(4, 4, 4, a.data(), true, b.data(), false, c.data(), false, nullptr, {1, 0, 0}), Error);
  EXPECT_NO_THROW(gemm(4, 4, 4, a.data(), false, b.data(), false, c.data(), false, nullptr, {4, 4, 4}));
}

}  // namespace
}  // namespace atn
