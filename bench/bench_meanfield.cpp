// The bifurcation diagrams of the mean-field map (dynamics/bifurcation.h) on every core:
//   meanfield zoom diagram [1.24, 1.28] 4001 points, burn-in 100000, 10000 steps, threads=2: 312.4 s
//   meanfield full diagram [0, 3] 701 points, burn-in 100000, 75000 steps, threads=2: 401.2 s
// plus the cost of one step with and without the Lyapunov update. The machine is shared, so
// wall-clock time is noisy; `load` is the 1-minute load average when the line was measured.
//
// ARGS="--quick" runs 1/40 of the columns of each diagram (the same grids, every 40th β) and
// scales the time up.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "dynamics/bifurcation.h"
#include "tensor/thread_pool.h"

namespace {

using Clock = std::chrono::steady_clock;

double load_average() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

void bench_steps() {
  const atn::MeanFieldMap map({.beta_o = 1.27});
  for (bool lyapunov : {false, true}) {
    const int64_t n = lyapunov ? 20000 : 200000;
    const auto t0 = Clock::now();
    atn::run_orbit(map, atn::mean_field_initial_state(), {.burn_in = 0, .steps = n, .lyapunov = lyapunov, .keep_series = false});
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / double(n);
    std::printf("meanfield step%s: %.2f us/step, load %.1f\n", lyapunov ? " + Jacobian + QR" : "", us, load_average());
    std::fflush(stdout);
  }
}

void bench_diagram(const char* name, const atn::BifurcationConfig& c, int64_t every) {
  std::vector<int64_t> indices;
  for (int64_t i = 0; i < c.points; i += every) indices.push_back(i);
  const auto t0 = Clock::now();
  atn::bifurcation_columns(c, indices);
  const double s = std::chrono::duration<double>(Clock::now() - t0).count() * double(c.points) / double(indices.size());
  std::printf("meanfield %s diagram [%g, %g] %lld points, burn-in %lld, %lld steps, threads=%d: %.1f s%s, load %.1f\n", name,
              c.beta_min, c.beta_max, (long long)c.points, (long long)c.burn_in, (long long)c.steps, atn::num_threads(), s,
              every > 1 ? " (estimated from every 40th beta)" : "", load_average());
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
