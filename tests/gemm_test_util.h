// What the gemm tests share (test_matmul.cpp, test_matmul_bias.cpp): random operands, a bitwise
// comparison, the three fast gemms by name, and one product run on 1, 2 and 3 threads.
#pragma once
#include <cstring>
#include <vector>

#include "tensor/matmul.h"
#include "tensor/rng.h"
#include "tensor/thread_pool.h"

namespace atn::testing_util {

inline std::vector<real> randn(int64_t n, Rng& rng) {
  std::vector<real> v(static_cast<size_t>(n));
  for (auto& x : v) x = rng.normal();
  return v;
}

inline bool same_bits(const std::vector<real>& a, const std::vector<real>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(real)) == 0;
}

using Gemm = void (*)(int64_t, int64_t, int64_t, const real*, bool, const real*, bool, real*, bool, const real*,
                      const GemmStrides&);
struct FastGemm {
  const char* name;
  Gemm fn;
};
// gemm itself, and each path it may choose.
inline const FastGemm kFastGemms[] = {{"gemm", gemm}, {"gemm_packed", gemm_packed}, {"gemm_in_place", gemm_in_place}};

// C after fast.fn(M, N, K, a, ta, b, tb, C = c0, accumulate) on 1, 2 and 3 threads, in that order.
// Leaves the thread count at 3: callers keep theirs with KeepThreadCount.
inline std::vector<std::vector<real>> product_on_1_2_3_threads(const FastGemm& fast, int64_t M, int64_t N, int64_t K,
                                                               const std::vector<real>& a, bool ta,
                                                               const std::vector<real>& b, bool tb,
                                                               const std::vector<real>& c0, bool accumulate) {
  std::vector<std::vector<real>> results;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    std::vector<real> c(c0);
    fast.fn(M, N, K, a.data(), ta, b.data(), tb, c.data(), accumulate, nullptr, {});
    results.push_back(c);
  }
  return results;
}

}  // namespace atn::testing_util
