// Attention speed: the fused (FlashAttention-style) op against the composed reference, the
// sparse local window against the dense masked computation as T grows, and linear attention.
// One line per measurement, e.g.
//   attention fused B=8 H=4 T=256 dh=32 fwd+bwd threads=1: 4.1 ms (composed: 19.8 ms)
// Each time is the best of several timed runs after one warm-up run: other programs on the
// machine can only make a run slower, so the fastest run is the closest to the true cost.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "autograd/ops_basic.h"
#include "nn/attention/linear_attention.h"
#include "nn/attention/local_attention.h"
#include "nn/attention/sdpa.h"
#include "tensor/rng.h"
#include "tensor/thread_pool.h"

namespace {

using atn::Tensor;
using atn::Var;
using Clock = std::chrono::steady_clock;

// Fastest of `runs` runs of fn in milliseconds, after one untimed warm-up.
double best_ms(const std::function<void()>& fn, int runs = 7) {
  fn();
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r) {
    const auto start = Clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return *std::min_element(ms.begin(), ms.end());
}

atn::SdpaOptions causal_options() {
  atn::SdpaOptions o;
  o.causal = true;
  return o;
}

struct Qkv {
  Var q, k, v;
};

Qkv make_qkv(int64_t B, int64_t H, int64_t T, int64_t dh, bool grad) {
  atn::Rng rng(7);
  auto make = [&] { return Var(Tensor::randn({B, H, T, dh}, rng), grad); };
  Qkv x{make(), make(), make()};
  return x;
}

// Forward, then backward with d(out) = 1 everywhere; gradients are reset so they do not pile up.
void fwd_bwd(const Qkv& x, const std::function<Var()>& attend) {
  Var out = attend();
  atn::backward(out, Tensor::ones(out.shape()));
  x.q.zero_grad(), x.k.zero_grad(), x.v.zero_grad();
}

void bench_fused(int64_t B, int64_t H, int64_t T, int64_t dh, int threads) {
  atn::set_num_threads(threads);
  const Qkv x = make_qkv(B, H, T, dh, true);
  const double fused = best_ms([&] { fwd_bwd(x, [&] { return atn::sdpa_fused(x.q, x.k, x.v, causal_options()); }); });
  const double composed =
      best_ms([&] { fwd_bwd(x, [&] { return atn::sdpa_composed(x.q, x.k, x.v, Tensor(), true); }); });
  std::printf("attention fused B=%lld H=%lld T=%lld dh=%lld fwd+bwd threads=%d: %.1f ms (composed: %.1f ms)\n",
              (long long)B, (long long)H, (long long)T, (long long)dh, threads, fused, composed);
  std::fflush(stdout);
}

// Forward only, no tape: the cost of the attention itself as T grows with the window fixed.
void bench_local(int64_t window, int64_t T, bool run_dense) {
  const int64_t B = 1, H = 4, dh = 32;
  atn::set_num_threads(1);
  const Qkv x = make_qkv(B, H, T, dh, false);
  atn::NoGrad no_grad;
  const double local = best_ms([&] { atn::local_attention(x.q, x.k, x.v, window); });
  std::printf("attention local k=%lld T=%lld fwd threads=1: %.2f ms (dense masked: ", (long long)window, (long long)T,
              local);
  if (run_dense) {
    const Tensor mask = atn::local_window_mask(T, window);
    std::printf("%.2f ms)\n", best_ms([&] { atn::sdpa_composed(x.q, x.k, x.v, mask, false); }, 3));
  } else {
    std::printf("skipped)\n");
  }
  std::fflush(stdout);
}

void bench_linear(int64_t T) {
  const int64_t B = 1, H = 4, dh = 32;
  atn::set_num_threads(1);
  const Qkv x = make_qkv(B, H, T, dh, true);
  const double linear = best_ms([&] { fwd_bwd(x, [&] { return atn::linear_attention(x.q, x.k, x.v, true); }); });
  const double fused = best_ms([&] { fwd_bwd(x, [&] { return atn::sdpa_fused(x.q, x.k, x.v, causal_options()); }); });
  std::printf(
      "attention linear causal B=%lld H=%lld T=%lld dh=%lld fwd+bwd threads=1: %.2f ms (softmax fused: %.2f ms)\n",
      (long long)B, (long long)H, (long long)T, (long long)dh, linear, fused);
  std::fflush(stdout);
}

}  // namespace

int main() {
  bench_fused(8, 4, 256, 32, 1);
  bench_fused(8, 4, 256, 32, 2);
  bench_fused(2, 4, 1024, 64, 1);
  for (int64_t T : {512, 1024, 2048, 4096}) bench_local(16, T, T <= 2048);
  for (int64_t T : {256, 1024, 4096}) bench_linear(T);
}
