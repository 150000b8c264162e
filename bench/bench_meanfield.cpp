// The bifurcation diagrams of the mean-field map (dynamics/bifurcation.h) on every core, and the
// cost of one step with and without the Lyapunov update (Jacobian + QR). Each diagram line gives
// the wall-clock time and the CPU time of all threads together (getrusage): on a shared machine
// the wall time is noisy, the CPU time divided by the free cores is what a quiet machine takes.
// Measured with ARGS=--quick on the 2-core machine while other engineers built (load 4.5-5;
// wall times, so ranges over repeated runs):
//   -O2: step (naive, 12 tanh) 0.41-0.43 us, step (cached tanh, 3 tanh) 0.22-0.29 us;
//        step + Jacobian + QR 2.9 us
//   -O3 (the dynamics/ and bench objects; load 5 with a test run beside it): naive 0.62-0.86 us,
//        cached 0.32-0.43 us; step + Jacobian + QR 6.2-7.3 us
//   zoom diagram [1.24, 1.28] 4001 points, burn-in 100000, 10000 steps, threads=2 (-O2):
//     204 s wall, 186 s cpu (estimated)
//   full diagram [0, 3] 701 points, burn-in 100000, 75000 steps, threads=2 (-O2):
//     127 s wall, 124 s cpu (estimated)
//
// ARGS="--quick" runs every 40th column of each diagram (the same grids) and scales the times up.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "dynamics/bifurcation.h"
#include "tensor/thread_pool.h"

namespace {

using Clock = std::chrono::steady_clock;

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + 1e-6 * double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

double load_average() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

void bench_steps() {
  const atn::MeanFieldMap map({.beta_o = 1.27});
  // The naive step (12 tanh) against the cached one (3 tanh, what the burn-in runs), same run.
  for (bool cached : {false, true}) {
    const int64_t n = 200000;
    atn::MeanFieldState s = atn::mean_field_initial_state();
    atn::MeanFieldMeansCache cache;
    const auto t0 = Clock::now();
    for (int64_t t = 0; t < n; ++t) cached ? map.step_cached(s, cache) : map.step(s);
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / double(n);
    std::printf("meanfield step (%s): %.3f us/step, load %.1f  [A_0,1 = %.6f]\n", cached ? "cached tanh" : "naive", us,
                load_average(), s.A[0][0]);
    std::fflush(stdout);
  }
  const int64_t n = 20000;
  const auto t0 = Clock::now();
  atn::run_orbit(map, atn::mean_field_initial_state(), {.burn_in = 0, .steps = n, .lyapunov = true, .keep_series = false});
  const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / double(n);
  std::printf("meanfield step + Jacobian + QR: %.2f us/step, load %.1f\n", us, load_average());
  std::fflush(stdout);
}

void bench_diagram(const char* name, const atn::BifurcationConfig& c, int64_t every) {
  std::vector<int64_t> indices;
  for (int64_t i = 0; i < c.points; i += every) indices.push_back(i);
  const auto t0 = Clock::now();
  const double cpu0 = cpu_seconds();
  atn::bifurcation_columns(c, indices);
  const double scale = double(c.points) / double(indices.size());
  const double s = std::chrono::duration<double>(Clock::now() - t0).count() * scale, cpu = (cpu_seconds() - cpu0) * scale;
  std::printf("meanfield %s diagram [%g, %g] %lld points, burn-in %lld, %lld steps, threads=%d: %.1f s wall, %.1f s cpu%s, load %.1f\n",
              name, c.beta_min, c.beta_max, (long long)c.points, (long long)c.burn_in, (long long)c.steps, atn::num_threads(), s,
              cpu, every > 1 ? " (estimated from every 40th beta)" : "", load_average());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const int64_t every = quick ? 40 : 1;
  bench_steps();
  bench_diagram("zoom", {.beta_min = 1.24, .beta_max = 1.28, .points = 4001, .burn_in = 100000, .steps = 10000}, every);
  bench_diagram("full", {.beta_min = 0, .beta_max = 3, .points = 701, .burn_in = 100000, .steps = 75000}, every);
}
