// One GPT training step (forward, backward, AdamW) on random tokens: nanoGPT's shakespeare-char
// CPU size on 1 and 2 threads, and a larger model on 1 thread:
//   gpt train step V=65 T=64 d=128 L=4 h=4 B=12 threads=1: 78.4 ms/step (cpu 47.5 user + 0.1 sys ms/step),
//   peak RSS 65 MB, 0 page faults/step, load 8.1
//
// The machine this runs on is shared, so wall-clock time is noisy. Each line reports the best
// (minimum) of several timed steps after warm-up steps, both as wall-clock time and as the
// process's CPU time per step, user and system (getrusage; with 2 threads it counts both
// threads' work, so it is the cost of a step, not its latency). `load` is the 1-minute load average when the line
// was measured: above the core count, other programs were competing for the cores. Peak RSS is
// the line's own high-water mark (memory cached by the lines before is released first). Page faults
// per step (minor + major, over the timed steps) show whether the step still takes fresh
// memory from the system: with the caching allocator (tensor/allocator.h) it should not.
// ATN_ALLOCATOR=plain measures the plain allocation path instead.
//
// Then the same steps' matrix products alone (bench_gemm_floor): a floor for the step's time; and
// AdamW's update alone on the small model.
//
// The small configuration also runs with its batch of 12 cut into 2 parts of 6 rows
// (models/batch_parts.h, "parts=2"): the same step, the parts side by side on 2 threads; on 1
// thread one after the other, with the same bits. And in 4 parts of 3 on 2 threads, to show
// whether more parts than threads balance the two threads better than they cost.
//
// ARGS="--quick" runs only the small configuration on 1 thread.
#include <sys/resource.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "autograd/tape.h"
#include "models/batch_parts.h"
#include "models/gpt.h"
#include "optim/adam.h"
#include "tensor/allocator.h"
#include "tensor/matmul.h"
#include "tensor/thread_pool.h"

namespace {

using Clock = std::chrono::steady_clock;

// The resident-set high-water mark since the last reset_peak_rss(): VmHWM in /proc/self/status
// (Linux), else the process's high-water mark so far (getrusage).
double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;  // kB
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

// So that each line's peak is its own: the caching allocator's blocks and glibc's free memory go
// back to the system, then the kernel's high-water mark restarts from what is left (writing 5 to
// /proc/self/clear_refs, Linux ≥ 4.0; where that fails, the peak stays the process's).
void reset_peak_rss() {
  atn::release_cached_memory();
#ifdef __GLIBC__
  malloc_trim(0);
#endif
  std::ofstream("/proc/self/clear_refs") << "5";
}

double ms(const timeval& t) { return double(t.tv_sec) * 1e3 + double(t.tv_usec) / 1e3; }

// CPU time of the process so far: user (our code) and system (the kernel working for us,
// mostly page faults).
struct CpuTime {
  double user = 0, sys = 0;
};
CpuTime cpu_ms() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return {ms(usage.ru_utime), ms(usage.ru_stime)};
}

long page_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt + usage.ru_majflt;
}

double load_average() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

struct BenchConfig {
  atn::GPTConfig model{};
  int64_t batch = 12;
  int threads = 1;
  int64_t parts = 1;  // > 1: the batch in this many row blocks side by side (models/batch_parts.h)
  int warmup = 3, timed = 25;
};

void bench_train_step(const BenchConfig& bc) {
  reset_peak_rss();
  atn::set_num_threads(bc.threads);
  const atn::GPTConfig& cfg = bc.model;
  const int64_t B = bc.batch, T = cfg.block;
  atn::Rng rng(1);
  atn::GPT gpt(cfg, rng);
  atn::AdamW opt(gpt.parameters(), {.lr = 1e-3f, .weight_decay = 0.1f});
  atn::Tensor x({B, T}), y({B, T});
  auto step = [&] {
    for (atn::real& v : x) v = atn::real(rng.below(uint64_t(cfg.vocab)));
    for (atn::real& v : y) v = atn::real(rng.below(uint64_t(cfg.vocab)));
    if (bc.parts > 1) {
      atn::backward_in_batch_parts(gpt, x, y, bc.parts, /*concurrently=*/true);  // no dropout here
    } else {
      atn::Var loss = gpt.loss(x, y);
      atn::backward(loss, {.keep_intermediate_grads = false});  // a training loop reads only parameters' grads
    }
    opt.step();
    opt.zero_grad();
  };
  for (int i = 0; i < bc.warmup; ++i) step();  // allocations, caches, the pool's threads
  double best_ms = 1e300, best_cpu = 1e300, best_sys = 1e300;
  const long faults0 = page_faults();
  for (int i = 0; i < bc.timed; ++i) {
    const CpuTime cpu0 = cpu_ms();
    const auto start = Clock::now();
    step();
    best_ms = std::min(best_ms, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    const CpuTime cpu1 = cpu_ms();
    best_cpu = std::min(best_cpu, cpu1.user - cpu0.user);
    best_sys = std::min(best_sys, cpu1.sys - cpu0.sys);
  }
  const double faults = double(page_faults() - faults0) / bc.timed;
  const std::string parts = bc.parts > 1 ? " parts=" + std::to_string(bc.parts) : "";
  std::printf("gpt train step V=%lld T=%lld d=%lld L=%lld h=%lld B=%lld%s threads=%d: %.1f ms/step "
              "(cpu %.1f user + %.1f sys ms/step), peak RSS %.0f MB, %.0f page faults/step, load %.1f\n",
              (long long)cfg.vocab, (long long)T, (long long)cfg.d_model, (long long)cfg.n_layer,
              (long long)cfg.n_head, (long long)B, parts.c_str(), bc.threads, best_ms, best_cpu, best_sys, peak_rss_mb(), faults,
              load_average());
  std::fflush(stdout);
}

// AdamW's update alone, over the model's parameters with the gradients of one step: the part of
// the step that optim/adam.cpp is (its loop vectorized; see docs/PERFORMANCE.md, third round).
void bench_adamw(const atn::GPTConfig& cfg, int64_t B, int threads) {
  atn::set_num_threads(threads);
  atn::Rng rng(1);
  atn::GPT gpt(cfg, rng);
  atn::AdamW opt(gpt.parameters(), {.lr = 1e-3f, .weight_decay = 0.1f});
  atn::Tensor x({B, cfg.block}), y({B, cfg.block});
  for (atn::real& v : x) v = atn::real(rng.below(uint64_t(cfg.vocab)));
  for (atn::real& v : y) v = atn::real(rng.below(uint64_t(cfg.vocab)));
  atn::backward(gpt.loss(x, y), {.keep_intermediate_grads = false});
  int64_t n = 0;
  for (const atn::Var& p : gpt.parameters()) n += p.numel();
  opt.step();  // the moment buffers are allocated here
  double best_ms = 1e300;
  for (int i = 0; i < 50; ++i) {
    const auto start = Clock::now();
    opt.step();
    best_ms = std::min(best_ms, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::printf("adamw update alone params=%lld threads=%d: %.3f ms, load %.1f\n", (long long)n, threads, best_ms,
              load_average());
  std::fflush(stdout);
}

// The step's matrix products alone, with the shapes `linear` gives them: per layer the four
// Linears (c_attn d→3d, attention c_proj d→d, MLP c_fc d→4d and c_proj 4d→d) and the tied head
// d→V, each as forward y = x·Wᵀ, backward dx = g·W and dW = gᵀ·x (the attention's own products
// run inside the fused sdpa and are not counted). Their time is a floor for the whole step: what
// it would take if everything else were free.
void bench_gemm_floor(const atn::GPTConfig& cfg, int64_t B, int threads) {
  atn::set_num_threads(threads);
  const int64_t rows = B * cfg.block, d = cfg.d_model;
  struct Lin {
    int64_t in, out;
  };
  std::vector<Lin> lins;
  for (int64_t l = 0; l < cfg.n_layer; ++l)
    for (Lin lin : {Lin{d, 3 * d}, Lin{d, d}, Lin{d, 4 * d}, Lin{4 * d, d}}) lins.push_back(lin);
  lins.push_back({d, cfg.vocab});
  const int64_t big = rows * 4 * d + 16 * d * d;
  std::vector<atn::real> x(size_t(big), 0.5f), w(size_t(big), 0.25f), y(size_t(big), 0.f);
  double flops = 0;
  auto products = [&] {
    for (const Lin& l : lins) {
      atn::gemm(rows, l.out, l.in, x.data(), false, w.data(), true, y.data());   // y = x·Wᵀ
      atn::gemm(rows, l.in, l.out, y.data(), false, w.data(), false, x.data());  // dx = g·W
      atn::gemm(l.out, l.in, rows, y.data(), true, x.data(), false, w.data());   // dW = gᵀ·x
    }
  };
  for (const Lin& l : lins) flops += 3 * 2.0 * double(rows) * double(l.in) * double(l.out);
  products();
  double best_ms = 1e300;
  for (int i = 0; i < 9; ++i) {
    const auto start = Clock::now();
    products();
    best_ms = std::min(best_ms, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::printf("gpt step products alone V=%lld T=%lld d=%lld L=%lld B=%lld threads=%d: %.1f ms "
              "(%.2f GFLOP, %.0f GFLOP/s), load %.1f\n",
              (long long)cfg.vocab, (long long)cfg.block, (long long)d, (long long)cfg.n_layer, (long long)B, threads,
              best_ms, flops / 1e9, flops / best_ms / 1e6, load_average());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const atn::GPTConfig small{.vocab = 65, .block = 64, .n_layer = 4, .n_head = 4, .d_model = 128};
  bench_train_step({.model = small, .batch = 12, .threads = 1});
  if (quick) return 0;
  bench_train_step({.model = small, .batch = 12, .threads = 2});
  bench_train_step({.model = small, .batch = 12, .threads = 1, .parts = 2});
  bench_train_step({.model = small, .batch = 12, .threads = 2, .parts = 2});
  bench_train_step({.model = small, .batch = 12, .threads = 2, .parts = 4});  // more parts than threads
  const atn::GPTConfig large{.vocab = 96, .block = 128, .n_layer = 6, .n_head = 8, .d_model = 256};
  bench_train_step({.model = large, .batch = 16, .threads = 1, .warmup = 2, .timed = 5});
  bench_gemm_floor(small, 12, 1);
  bench_gemm_floor(small, 12, 2);
  bench_gemm_floor(large, 16, 1);
  bench_adamw(small, 12, 1);
  bench_adamw(small, 12, 2);
}
