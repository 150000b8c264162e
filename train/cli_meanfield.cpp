// atencion meanfield: the mean-field dynamics of self-attention (dynamics/), for real use.
//   bifurcation  the diagram over a β_o grid, resumable: each chunk of β values is written to
//                DIR/chunks/ atomically as soon as it is done, and a rerun of the same command
//                skips the chunks already there.
//   trajectory   one β_o: time series, spectrum, autocorrelation, phase planes, Lyapunov spectrum.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "dynamics/bifurcation.h"
#include "dynamics/trajectory_figures.h"
#include "tensor/atomic_file.h"
#include "tensor/thread_pool.h"
#include "train/cli.h"
#include "train/cli_args.h"
#include "train/progress.h"
#include "train/stop_signal.h"

namespace atn {

namespace {

namespace fs = std::filesystem;
constexpr int64_t kBig = int64_t(1) << 40;

const char* kUsage =
    "usage: atencion meanfield <bifurcation|trajectory> [flags]\n"
    "  The mean-field map of a self-attention network with 1-bit tokens (Poc-Lopez & Aguilera,\n"
    "  arXiv 2406.07247): bifurcation diagrams over beta_o and single trajectories.\n"
    "\n"
    "example:\n"
    "  atencion meanfield bifurcation --beta-min 1.24 --beta-max 1.28 --points 4001 --burn-in 100000 --steps 10000 --out out/zoom\n"
    "  atencion meanfield trajectory --beta 1.27 --out out/beta_1.27\n";

const std::vector<FlagSpec> kBifurcationFlags = {
    {"beta-min", "X", "smallest beta_o", "1.24"},
    {"beta-max", "X", "largest beta_o", "1.28"},
    {"points", "N", "beta_o values on the grid, both ends included", "4001"},
    {"burn-in", "N", "steps thrown away before recording", "100000"},
    {"steps", "N", "recorded steps per beta_o", "10000"},
    {"chunk", "N", "beta_o values per chunk file (the unit of resuming)", "64"},
    {"stop-after", "N", "stop after N new chunks (continue by running the same command)", ""},
    {"threads", "N", "worker threads", "ATN_THREADS or all cores"},
    {"out", "DIR", "output folder", "out/meanfield_bifurcation"},
};

const std::vector<FlagSpec> kTrajectoryFlags = {
    {"beta", "X", "beta_o", "1.27"},
    {"burn-in", "N", "steps thrown away before recording", "100000"},
    {"steps", "N", "recorded steps", "10000"},
    {"out", "DIR", "output folder", "out/meanfield_trajectory"},
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string settings_text(const BifurcationConfig& c) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "beta_min %.17g\nbeta_max %.17g\npoints %lld\nburn_in %lld\nsteps %lld\n", c.beta_min,
                c.beta_max, (long long)c.points, (long long)c.burn_in, (long long)c.steps);
  return buf;
}

std::string chunk_path(const std::string& dir, int64_t chunk) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "chunk_%06lld.txt", (long long)chunk);
  return dir + "/chunks/" + buf;
}

int run_bifurcation(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "atencion meanfield bifurcation";
  const Flags f(args, kBifurcationFlags, command);
  if (f.help()) {
    out << usage_text(command, "Bifurcation diagram of the mean-field map over beta_o (resumable).", kBifurcationFlags);
    return 0;
  }
  BifurcationConfig c;
  c.beta_min = f.number("beta-min", 1.24, 0, 1e6);
  c.beta_max = f.number("beta-max", 1.28, 0, 1e6);
  c.points = f.integer("points", 4001, 1, 10000000);
  c.burn_in = f.integer("burn-in", 100000, 0, kBig);
  c.steps = f.integer("steps", 10000, 1, 100000000);
  const int64_t chunk = f.integer("chunk", 64, 1, 10000000);
  const int64_t stop_after = f.integer("stop-after", 0, 1, kBig);
  const std::string dir = f.text("out", "out/meanfield_bifurcation");
  if (c.beta_min > c.beta_max)
    throw UsageError(command + ": --beta-min " + std::to_string(c.beta_min) + " is larger than --beta-max " + std::to_string(c.beta_max));
  if (c.points == 1 && c.beta_min != c.beta_max)
    throw UsageError(command + ": --points 1 needs --beta-min equal to --beta-max");
  if (f.has("threads")) set_num_threads(int(f.integer("threads", 1, 1, 4096)));

  // The settings file ties the chunks to the run that made them.
  fs::create_directories(dir + "/chunks");
  const std::string settings_path = dir + "/settings.txt", settings = settings_text(c);
  if (fs::exists(settings_path)) {
    if (read_file(settings_path) != settings)
      fail(dir, " holds a diagram made with other settings (", settings_path, "); use another --out or delete it");
  } else {
    write_file_atomically(settings_path, settings, "atencion meanfield bifurcation");
  }

  const int64_t n_chunks = (c.points + chunk - 1) / chunk;
  std::vector<std::vector<BifurcationColumn>> done(static_cast<size_t>(n_chunks));
  std::vector<int64_t> todo;
  int64_t already = 0;
  for (int64_t k = 0; k < n_chunks; ++k) {
    const std::string path = chunk_path(dir, k);
    const int64_t begin = k * chunk, end = std::min(c.points, begin + chunk);
    if (!fs::exists(path)) {
      todo.push_back(k);
      continue;
    }
    std::vector<BifurcationColumn> cols = columns_from_text(read_file(path), path);
    bool complete = int64_t(cols.size()) == end - begin;
    for (size_t i = 0; complete && i < cols.size(); ++i) complete = cols[i].index == begin + int64_t(i);
    if (!complete) fail(path, " does not hold columns ", begin, "..", end - 1, " (was --chunk changed?); delete it to recompute");
    already += end - begin;
    done[size_t(k)] = std::move(cols);
  }
  if (already > 0) err << "resumed: " << already << " of " << c.points << " beta values already done in " << dir << "/chunks\n";

  install_stop_handler();
  clear_stop();
  const auto start = std::chrono::steady_clock::now();
  int64_t computed = 0, new_chunks = 0;
  for (int64_t k : todo) {
    if (stop_requested() || (stop_after > 0 && new_chunks >= stop_after)) {
      err << "stopped with " << already + computed << " of " << c.points << " beta values done; run the same command to continue\n";
      return stop_requested() ? 130 : 0;
    }
    const int64_t begin = k * chunk, end = std::min(c.points, begin + chunk);
    std::vector<int64_t> indices;
    for (int64_t i = begin; i < end; ++i) indices.push_back(i);
    done[size_t(k)] = bifurcation_columns(c, indices);
    std::string text;
    for (const BifurcationColumn& col : done[size_t(k)]) text += column_to_text(col);
    write_file_atomically(chunk_path(dir, k), text, "atencion meanfield bifurcation");
    computed += end - begin;
    ++new_chunks;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int64_t left = c.points - already - computed;
    char line[200];
    std::snprintf(line, sizeof line, "beta %lld/%lld (%.1f%%)  elapsed %s  ETA %s\n", (long long)(already + computed),
                  (long long)c.points, 100.0 * double(already + computed) / double(c.points), format_duration(elapsed).c_str(),
                  format_duration(elapsed / double(computed) * double(left)).c_str());
    err << line << std::flush;
  }

  std::vector<BifurcationColumn> all;
  for (auto& cols : done)
    for (auto& col : cols) all.push_back(std::move(col));
  write_file_atomically(dir + "/bifurcation.csv", bifurcation_summary_csv(all), "atencion meanfield bifurcation");
  write_file_atomically(dir + "/bifurcation_points.csv", bifurcation_points_csv(all), "atencion meanfield bifurcation");
  write_bifurcation_svg(dir + "/bifurcation.svg", all);
  write_lyapunov_svg(dir + "/lambda1.svg", all);
  int64_t by_count[3] = {}, by_lyapunov[3] = {}, agree = 0;
  for (const BifurcationColumn& col : all) {
    ++by_count[int(col.by_count)];
    ++by_lyapunov[int(col.by_lyapunov)];
    agree += col.by_count == col.by_lyapunov;
  }
  out << "beta_o in [" << c.beta_min << ", " << c.beta_max << "], " << c.points << " points, burn-in " << c.burn_in
      << ", " << c.steps << " recorded steps\n";
  out << "by distinct values: " << by_count[0] << " periodic, " << by_count[1] << " quasi-periodic, " << by_count[2]
      << " chaotic\n";
  out << "by lambda_1:        " << by_lyapunov[0] << " periodic, " << by_lyapunov[1] << " quasi-periodic, "
      << by_lyapunov[2] << " chaotic\n";
  out << "the two rules agree on " << agree << " of " << all.size() << "\n";
  out << "wrote " << dir << "/bifurcation.csv, bifurcation_points.csv, bifurcation.svg, lambda1.svg\n";
  return 0;
}

int run_trajectory(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "atencion meanfield trajectory";
  const Flags f(args, kTrajectoryFlags, command);
  if (f.help()) {
    out << usage_text(command, "One trajectory of the mean-field map: series, spectrum, phase planes, Lyapunov exponents.",
                      kTrajectoryFlags);
    return 0;
  }
  const double beta = f.number("beta", 1.27, 0, 1e6);
  const int64_t burn_in = f.integer("burn-in", 100000, 0, kBig), steps = f.integer("steps", 10000, 1, 100000000);
  const std::string dir = f.text("out", "out/meanfield_trajectory");
  err << "running " << burn_in + steps << " steps at beta_o = " << beta << "\n";
  const MeanFieldMap map({.beta_o = beta});
  const Orbit orbit = run_orbit(map, mean_field_initial_state(), {.burn_in = burn_in, .steps = steps});
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, " (beta_o = %g)", beta);
  const TrajectoryFiles files = write_trajectory_files(dir, orbit, suffix);
  const std::vector<double> m1 = overlap_series(orbit, 0);
  const int64_t distinct = count_distinct(m1), period = orbit_period(orbit.A, 1000, 1e-9);
  out << "beta_o = " << beta << ": " << distinct << " distinct values of m^{o,SE}_1 -> " << regime_name(regime_from_count(distinct))
      << "; lambda_1 = " << orbit.lyapunov[0] << " -> " << regime_name(regime_from_lyapunov(orbit.lyapunov[0])) << "\n";
  if (period > 0) out << "period " << period << "\n";
  out << "lyapunov exponents:";
  for (double l : orbit.lyapunov) out << " " << l;
  out << "\nwrote " << files.csv.size() << " CSV and " << files.svg.size() << " SVG files in " << dir << "\n";
  return 0;
}

}  // namespace

int cli_meanfield(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? err : out) << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "bifurcation") return run_bifurcation(rest, out, err);
  if (args[0] == "trajectory") return run_trajectory(rest, out, err);
  throw UsageError("atencion meanfield: unknown subcommand '" + args[0] + "' (bifurcation, trajectory)");
}

}  // namespace atn
