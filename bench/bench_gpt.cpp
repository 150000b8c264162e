// One GPT training step (forward, backward, AdamW) at nanoGPT's shakespeare-char CPU size,
// on random tokens, with 1 and 2 threads:
//   gpt train step V=65 T=64 d=128 L=4 h=4 B=12 threads=1: 95.3 ms/step, peak RSS 61 MB
// The time is the median of the timed steps after warm-up steps (the median, not the best:
// a training run pays for every step). Peak RSS is the process's high-water mark so far
// (getrusage), so the second line includes the first's.
//
// Then the same two lines again after telling glibc's malloc to keep freed memory instead of
// returning it to the system (mallopt, glibc only). Every step allocates and frees tens of MB of
// tensors; by default glibc hands large freed blocks back to the kernel and the next step takes
// them again as fresh zeroed pages, and on a virtual machine those page faults can cost more
// than the arithmetic (measured here: 2.3 s/step by default, 0.34 s/step tuned, on a loaded VM).
#include <sys/resource.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "autograd/tape.h"
#include "models/gpt.h"
#include "optim/adam.h"
#include "tensor/thread_pool.h"

namespace {

using Clock = std::chrono::steady_clock;

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

void bench_train_step(int threads, const char* note = "") {
  atn::set_num_threads(threads);
  const atn::GPTConfig cfg{.vocab = 65, .block = 64, .n_layer = 4, .n_head = 4, .d_model = 128};
  const int64_t B = 12, T = cfg.block;
  atn::Rng rng(1);
  atn::GPT gpt(cfg, rng);
  atn::AdamW opt(gpt.parameters(), {.lr = 1e-3f, .weight_decay = 0.1f});
  atn::Tensor x({B, T}), y({B, T});
  auto step = [&] {
    for (atn::real& v : x) v = atn::real(rng.below(uint64_t(cfg.vocab)));
    for (atn::real& v : y) v = atn::real(rng.below(uint64_t(cfg.vocab)));
    atn::Var loss = gpt.loss(x, y);
    atn::backward(loss);
    opt.step();
    opt.zero_grad();
  };
  for (int i = 0; i < 3; ++i) step();  // warm-up: allocations, caches, the pool's threads
  std::vector<double> ms;
  for (int i = 0; i < 9; ++i) {
    const auto start = Clock::now();
    step();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("gpt train step V=%lld T=%lld d=%lld L=%lld h=%lld B=%lld threads=%d: %.1f ms/step, peak RSS %.0f MB%s\n",
              (long long)cfg.vocab, (long long)T, (long long)cfg.d_model, (long long)cfg.n_layer,
              (long long)cfg.n_head, (long long)B, threads, ms[ms.size() / 2], peak_rss_mb(), note);
  std::fflush(stdout);
}

}  // namespace

int main() {
  bench_train_step(1);
  bench_train_step(2);
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 << 20);  // big tensors from the heap, not from fresh mmaps
  mallopt(M_TRIM_THRESHOLD, 1 << 30);    // and freed memory kept for the next step
  bench_train_step(1, " (malloc keeps freed memory)");
  bench_train_step(2, " (malloc keeps freed memory)");
#endif
}
