// Matmul speed: the blocked, packed gemm at a few sizes with 1 and 2 threads, and the naive loops
// once for scale. One line per measurement:
//   matmul 512x512x512 threads=1: 71.3 GFLOP/s        (M x N x K; a product costs 2·M·N·K flops)
// Each figure comes from the fastest of 15 timed batches; a batch repeats the product until it
// lasts at least 10 ms, so tiny products are not lost in the clock's resolution. The fastest,
// not the mean: other programs on the machine can only ever slow a batch down.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "tensor/matmul.h"
#include "tensor/rng.h"
#include "tensor/thread_pool.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Seconds per call of fn: the best over batches, each batch long enough to time reliably.
double time_per_call(const std::function<void()>& fn) {
  fn();  // warm up: packing buffers, worker threads, caches
  int64_t reps = 1;
  for (;;) {
    const auto start = Clock::now();
    for (int64_t r = 0; r < reps; ++r) fn();
    if (seconds_since(start) >= 0.01) break;
    reps *= 2;
  }
  double best = 1e30;
  for (int batch = 0; batch < 15; ++batch) {
    const auto start = Clock::now();
    for (int64_t r = 0; r < reps; ++r) fn();
    best = std::min(best, seconds_since(start) / double(reps));
  }
  return best;
}

void bench(int64_t M, int64_t N, int64_t K, int threads, bool naive) {
  atn::Rng rng(1);
  const atn::Tensor a = atn::Tensor::randn({M, K}, rng), b = atn::Tensor::randn({K, N}, rng);
  atn::Tensor c({M, N});
  atn::set_num_threads(threads);
  const auto gemm = naive ? atn::gemm_naive : atn::gemm;
  const double s = time_per_call([&] { gemm(M, N, K, a.data(), false, b.data(), false, c.data(), false); });
  std::printf("matmul %s%lldx%lldx%lld threads=%d: %.1f GFLOP/s\n", naive ? "naive " : "", (long long)M,
              (long long)N, (long long)K, threads, 2.0 * double(M) * double(N) * double(K) / s * 1e-9);
  std::fflush(stdout);
}

}  // namespace

int main() {
  const std::vector<std::vector<int64_t>> sizes = {{64, 128, 128}, {256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024}};
  for (const auto& s : sizes)
    for (int threads : {1, 2}) bench(s[0], s[1], s[2], threads, false);
  bench(256, 256, 256, 1, true);
}
