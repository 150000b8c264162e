#include "dynamics/trajectory_figures.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "tensor/atomic_file.h"
#include "tensor/error.h"
#include "viz/svg.h"

namespace atn {

std::vector<double> overlap_series(const Orbit& orbit, int a) {
  if (a < 0 || a >= kMfPatterns) fail("overlap_series: pattern ", a, " is outside 0..", kMfPatterns - 1);
  std::vector<double> x;
  x.reserve(orbit.m_o_se.size());
  for (const MfVec& m : orbit.m_o_se) x.push_back(m[size_t(a)]);
  return x;
}

namespace {
std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
std::vector<real> to_real(const std::vector<double>& x, size_t from = 0, size_t count = SIZE_MAX) {
  std::vector<real> r;
  for (size_t i = from; i < x.size() && i - from < count; ++i) r.push_back(real(x[i]));
  return r;
}
}  // namespace

TrajectoryFiles write_trajectory_files(const std::string& dir, const Orbit& orbit, const std::string& suffix,
                                       const TrajectoryLabels& L) {
  if (orbit.m_o_se.empty()) fail("write_trajectory_files: the orbit has no recorded steps (keep_series off?)");
  std::filesystem::create_directories(dir);
  TrajectoryFiles files;
  auto csv = [&](const std::string& name, const std::string& text) {
    const std::string path = dir + "/" + name;
    write_file_atomically(path, text, "write_trajectory_files");
    files.csv.push_back(path);
  };
  auto figure = [&](const std::string& name, svg::Plot plot) {
    plot.title += suffix;
    const std::string path = dir + "/" + name;
    svg::plot(path, plot);
    files.svg.push_back(path);
  };
  const std::vector<double> m1 = overlap_series(orbit, 0), m2 = overlap_series(orbit, 1);

  std::string t = "step,m_o_se_1,m_o_se_2,m_o_se_3,A_1,A_2,A_3\n";
  for (size_t i = 0; i < orbit.m_o_se.size(); ++i) {
    t += std::to_string(i);
    for (double v : orbit.m_o_se[i]) t += "," + number(v);
    for (double v : orbit.A[i]) t += "," + number(v);
    t += "\n";
  }
  csv("trajectory.csv", t);
  for (size_t n : {size_t(250), size_t(350), size_t(5000)})
    figure("series_" + std::to_string(n) + ".svg",
           {.title = L.series, .x_label = L.step, .y_label = L.m1, .series = {{.y = to_real(m1, 0, n)}}});

  const std::vector<double> p = power_spectrum(m1);
  std::string ps = "k,frequency,power\n";
  std::vector<real> freq, power;
  for (size_t k = 0; k < p.size(); ++k) {
    const double f = double(k) / double(m1.size());
    ps += std::to_string(k) + "," + number(f) + "," + number(p[k]) + "\n";
    if (k > 0) {  // the k = 0 term is the mean squared, off the scale of the rest
      freq.push_back(real(f));
      power.push_back(real(std::max(p[k], 1e-30)));
    }
  }
  csv("power_spectrum.csv", ps);
  if (!freq.empty())
    figure("power_spectrum.svg", {.title = L.spectrum, .x_label = L.frequency, .y_label = L.power,
                                  .series = {{.x = freq, .y = power}}, .log_y = true});

  const std::vector<double> r = autocorrelation(m1, 99);
  std::string ac = "lag,r\n";
  for (size_t k = 0; k < r.size(); ++k) ac += std::to_string(k) + "," + number(r[k]) + "\n";
  csv("autocorrelation.csv", ac);
  figure("autocorrelation.svg", {.title = L.autocorrelation, .x_label = L.lag, .y_label = L.r, .series = {{.y = to_real(r)}}});

  std::vector<double> a1, a3;
  for (const MfVec& A : orbit.A) {
    a1.push_back(A[0]);
    a3.push_back(A[2]);
  }
  // The phase planes draw at most the first 10 000 points (one circle each keeps the SVG a few MB).
  const size_t cap = 10000;
  figure("phase_m.svg", {.title = L.phase_m, .x_label = L.m1, .y_label = L.m2,
                         .series = {{.x = to_real(m1, 0, cap), .y = to_real(m2, 0, cap), .mark = svg::Mark::points}}});
  figure("phase_A.svg", {.title = L.phase_A, .x_label = L.A1, .y_label = L.A3,
                         .series = {{.x = to_real(a1, 0, cap), .y = to_real(a3, 0, cap), .mark = svg::Mark::points}}});

  std::string ly = "i,lambda\n";
  std::vector<real> lam;
  for (size_t i = 0; i < orbit.lyapunov.size(); ++i) {
    ly += std::to_string(i + 1) + "," + number(orbit.lyapunov[i]) + "\n";
    lam.push_back(real(orbit.lyapunov[i]));
  }
  csv("lyapunov.csv", ly);
  std::vector<real> idx;
  for (size_t i = 0; i < lam.size(); ++i) idx.push_back(real(i + 1));
  figure("lyapunov.svg", {.title = L.lyapunov, .x_label = "i", .y_label = L.lambda,
                          .series = {{.x = idx, .y = lam, .mark = svg::Mark::points}}});
  return files;
}

}  // namespace atn
