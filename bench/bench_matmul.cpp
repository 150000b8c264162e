// Matmul speed: gemm at a few sizes with 1 and 2 threads, its two paths side by side at the
// shapes of the course's models, where the size rule switches between them, and the naive loops
// once for scale. One line per measurement:
//   matmul 512x512x512 threads=1: 171.3 GFLOP/s (in place)   (M x N x K; a product costs 2·M·N·K flops)
//   matmul paths 768x384x128 Bt threads=1: packed 160.2, in place 181.0 GFLOP/s (1.13x)
//   matmul crossover square s x s x s threads=1: in place faster up to s=1024, packed from s=1280
// Bt (At) marks a transposed operand: gemm(..., trans_a, ..., trans_b). Each figure comes from the
// fastest of 15 timed batches; a batch repeats the product until it lasts at least 10 ms, so tiny
// products are not lost in the clock's resolution. The fastest, not the mean: other programs on
// the machine can only ever slow a batch down. The two paths are timed alternately, batch by batch,
// so that a burst of load elsewhere hits both.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "tensor/matmul.h"
#include "tensor/rng.h"
#include "tensor/thread_pool.h"

namespace {

using Clock = std::chrono::steady_clock;
using GemmFn = void (*)(int64_t, int64_t, int64_t, const atn::real*, bool, const atn::real*, bool, atn::real*, bool,
                        const atn::real*, const atn::GemmStrides&);

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Seconds per call of each of fns: the best over batches, each batch long enough to time
// reliably, the functions taking turns batch by batch.
std::vector<double> time_per_call(const std::vector<std::function<void()>>& fns) {
  std::vector<int64_t> reps(fns.size(), 1);
  for (size_t f = 0; f < fns.size(); ++f) {
    fns[f]();  // warm up: packing buffers, worker threads, caches
    for (;;) {
      const auto start = Clock::now();
      for (int64_t r = 0; r < reps[f]; ++r) fns[f]();
      if (seconds_since(start) >= 0.01) break;
      reps[f] *= 2;
    }
  }
  std::vector<double> best(fns.size(), 1e30);
  for (int batch = 0; batch < 15; ++batch)
    for (size_t f = 0; f < fns.size(); ++f) {
      const auto start = Clock::now();
      for (int64_t r = 0; r < reps[f]; ++r) fns[f]();
      best[f] = std::min(best[f], seconds_since(start) / double(reps[f]));
    }
  return best;
}

struct Shape3 {
  int64_t M, N, K;
  bool trans_a = false, trans_b = false;
};

std::string describe(const Shape3& s) {
  return std::to_string(s.M) + "x" + std::to_string(s.N) + "x" + std::to_string(s.K) + (s.trans_a ? " At" : "") +
         (s.trans_b ? " Bt" : "");
}

double gflops(const Shape3& s, double seconds) { return 2.0 * double(s.M) * double(s.N) * double(s.K) / seconds * 1e-9; }

// GFLOP/s of each kernel on one product (operands stored as the transposes ask).
std::vector<double> measure(const Shape3& s, const std::vector<GemmFn>& kernels) {
  atn::Rng rng(1);
  const atn::Tensor a = atn::Tensor::randn({s.M, s.K}, rng), b = atn::Tensor::randn({s.K, s.N}, rng);
  atn::Tensor c({s.M, s.N});
  std::vector<std::function<void()>> fns;
  for (GemmFn k : kernels)
    fns.push_back([&, k] { k(s.M, s.N, s.K, a.data(), s.trans_a, b.data(), s.trans_b, c.data(), false, nullptr, {}); });
  std::vector<double> result;
  for (double t : time_per_call(fns)) result.push_back(gflops(s, t));
  return result;
}

void bench_gemm(const Shape3& s, int threads) {
  atn::set_num_threads(threads);
  const double g = measure(s, {atn::gemm})[0];
  const bool in_place = atn::gemm_reads_in_place(s.M, s.N, s.K, s.trans_a, s.trans_b);
  std::printf("matmul %s threads=%d: %.1f GFLOP/s (%s)\n", describe(s).c_str(), threads, g,
              in_place ? "in place" : "packed");
  std::fflush(stdout);
}

// Both paths on one product; returns in place / packed speed.
double bench_paths(const Shape3& s, int threads) {
  atn::set_num_threads(threads);
  const std::vector<double> g = measure(s, {atn::gemm_packed, atn::gemm_in_place});
  std::printf("matmul paths %s threads=%d: packed %.1f, in place %.1f GFLOP/s (%.2fx)%s\n", describe(s).c_str(),
              threads, g[0], g[1], g[1] / g[0],
              atn::gemm_reads_in_place(s.M, s.N, s.K, s.trans_a, s.trans_b) ? "" : " [gemm packs]");
  std::fflush(stdout);
  return g[1] / g[0];
}

void bench_naive(const Shape3& s) {
  atn::set_num_threads(1);
  std::printf("matmul naive %s threads=1: %.1f GFLOP/s\n", describe(s).c_str(), measure(s, {atn::gemm_naive})[0]);
  std::fflush(stdout);
}

// Seconds per call of fns[0] and fns[1], called in turn one call at a time, 400 times each: the
// fastest call of each. For a difference of a few percent between two ways of doing one product:
// single calls are shorter than a scheduler time slice, so on a busy machine most of them run
// undisturbed, and the fastest ones compare the code rather than the load.
std::vector<double> fastest_single_calls(const std::vector<std::function<void()>>& fns) {
  std::vector<double> best(fns.size(), 1e30);
  for (const auto& f : fns) f();  // warm up
  for (int r = 0; r < 400; ++r)
    for (size_t f = 0; f < fns.size(); ++f) {
      const auto start = Clock::now();
      fns[f]();
      best[f] = std::min(best[f], seconds_since(start));
    }
  return best;
}

// A Linear's forward with its bias, the two ways: copy the bias into every row of C and then
// accumulate the product, or start the product from the bias row (gemm's bias argument). Same
// bits; the second saves a pass over C.
void bench_bias(const Shape3& s, int threads) {
  atn::set_num_threads(threads);
  atn::Rng rng(2);
  const atn::Tensor a = atn::Tensor::randn({s.M, s.K}, rng), b = atn::Tensor::randn({s.K, s.N}, rng);
  const atn::Tensor bias = atn::Tensor::randn({s.N}, rng);
  atn::Tensor c({s.M, s.N});
  const std::vector<double> t = fastest_single_calls({
      [&] {
        for (int64_t i = 0; i < s.M; ++i) std::copy_n(bias.data(), s.N, c.data() + i * s.N);
        atn::gemm(s.M, s.N, s.K, a.data(), s.trans_a, b.data(), s.trans_b, c.data(), true);
      },
      [&] { atn::gemm(s.M, s.N, s.K, a.data(), s.trans_a, b.data(), s.trans_b, c.data(), false, bias.data()); },
  });
  std::printf("matmul bias %s threads=%d: copy then accumulate %.1f us, bias row %.1f us (%.2fx)\n",
              describe(s).c_str(), threads, t[0] * 1e6, t[1] * 1e6, t[0] / t[1]);
  std::fflush(stdout);
}

// The Linear layers of bench_gpt's small config (768 rows) and of its large one (2048 rows).
const std::vector<Shape3> kLinearShapes = {
    {768, 384, 128, false, true},  {768, 512, 128, false, true},  {768, 128, 512, false, true},
    {768, 65, 128, false, true},   {2048, 768, 256, false, true}, {2048, 256, 1024, false, true},
};

// The products of the small GPT's backward pass that make few tiles: the weight gradients gᵀ·x
// (768 rows: attention output and MLP projection 128×128 and 128×512, MLP input 512×128, q/k/v
// 384×128, vocabulary 65×128) and the input gradients g·W.
const std::vector<Shape3> kBackwardShapes = {
    {128, 128, 768, true, false}, {512, 128, 768, true, false}, {128, 512, 768, true, false},
    {384, 128, 768, true, false}, {65, 128, 768, true, false},  {768, 128, 384},
    {768, 128, 512},
};

}  // namespace

int main(int argc, char** argv) {
  // --tiles: only those backward products, on 1 and 2 threads, timed by their fastest single
  // call (to compare two builds of the tile split on a busy machine).
  if (argc > 1 && std::string(argv[1]) == "--tiles") {
    for (const Shape3& s : kBackwardShapes)
      for (int threads : {1, 2}) {
        atn::set_num_threads(threads);
        atn::Rng rng(3);
        const atn::Tensor a = atn::Tensor::randn({s.M, s.K}, rng), b = atn::Tensor::randn({s.K, s.N}, rng);
        atn::Tensor c({s.M, s.N});
        const double t = fastest_single_calls(
            {[&] { atn::gemm(s.M, s.N, s.K, a.data(), s.trans_a, b.data(), s.trans_b, c.data(), false); }})[0];
        std::printf("matmul tiles %s threads=%d: %.1f us, %.1f GFLOP/s\n", describe(s).c_str(), threads, t * 1e6,
                    gflops(s, t));
        std::fflush(stdout);
      }
    return 0;
  }
  // --bias: only the bias lines (a quick A/B of one change).
  if (argc > 1 && std::string(argv[1]) == "--bias") {
    for (int threads : {1, 2})
      for (const Shape3& s : kLinearShapes) bench_bias(s, threads);
    return 0;
  }
  for (const Shape3& s : std::vector<Shape3>{{64, 128, 128}, {256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024}})
    for (int threads : {1, 2}) bench_gemm(s, threads);

  // The products of one step of the GPT benchmark (bench_gpt.cpp's small config: 768 rows =
  // 12 sequences of 64, d = 128): Linear forward (x·Wᵀ), its input gradient (g·W) and weight
  // gradient (gᵀ·x), and one attention head's scores (64×32 · 32×64) and weighted sum. Then
  // lesson 11's Transformer (d = 32, batches of 30 sequences of 10) and the large GPT config.
  const std::vector<Shape3> model_shapes = {
      {768, 384, 128, false, true}, {768, 128, 512, false, true}, {768, 65, 128, false, true},
      {768, 128, 384},              {384, 128, 768, true, false}, {64, 64, 32},
      {64, 32, 64},                 {300, 32, 32, false, true},   {300, 64, 32, false, true},
      {10, 10, 8, false, true},     {2048, 768, 256, false, true}, {1024, 256, 2048, true, false},
  };
  for (const Shape3& s : model_shapes) bench_paths(s, 1);

  // Where packing starts to pay: square products of growing size. The rule in matmul.cpp
  // (gemm_reads_in_place) was set from these lines and the tall and wide ones below.
  int64_t last_in_place = 0, first_packed = 0;
  for (int64_t s : {256, 512, 768, 1024, 1280, 1536, 2048}) {
    const double ratio = bench_paths({s, s, s}, 1);
    if (ratio >= 1 && !first_packed) last_in_place = s;
    if (ratio < 1 && !first_packed) first_packed = s;
  }
  std::printf("matmul crossover square s x s x s threads=1: in place faster up to s=%lld, packed from s=%s\n",
              (long long)last_in_place, first_packed ? std::to_string(first_packed).c_str() : "(none measured)");
  // A small side keeps the in-place path ahead however long the others are (packing A costs
  // 1/N of the multiply-adds, packing B 1/M), but a long K with both sides large does not.
  for (const Shape3& s : std::vector<Shape3>{{4096, 64, 4096}, {512, 2048, 2048}, {768, 768, 3072}}) bench_paths(s, 1);

  for (int threads : {1, 2})
    for (const Shape3& s : kLinearShapes) bench_bias(s, threads);
  bench_naive({256, 256, 256});
}
