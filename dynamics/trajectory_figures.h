// The figures and tables of one trajectory of the mean-field map: time series of m^{o,SE}_1
// (first 250, 350 and 5000 recorded steps), power spectrum, autocorrelation (lags 0–99), the
// phase planes m^{o,SE}_1 vs m^{o,SE}_2 and A_1 vs A_3, and the sorted Lyapunov exponents.
#pragma once
#include <string>
#include <vector>

#include "dynamics/orbit.h"

namespace atn {

struct TrajectoryLabels {
  std::string series = "m^{o,SE}_1 over time", step = "recorded step", m1 = "m^{o,SE}_1", m2 = "m^{o,SE}_2";
  std::string spectrum = "Power spectrum |FFT|^2/n", frequency = "frequency (cycles/step)", power = "power";
  std::string autocorrelation = "Autocorrelation of m^{o,SE}_1", lag = "lag (steps)", r = "r";
  std::string phase_m = "Phase plane of the output overlaps", phase_A = "Phase plane of the attention vector";
  std::string A1 = "A_1", A3 = "A_3";
  std::string lyapunov = "Lyapunov exponents (sorted)", lambda = "lambda (nats/step)";
};

struct TrajectoryFiles {
  std::vector<std::string> csv{}, svg{};  // the paths written
};

// Writes into `dir` (created if needed): trajectory.csv, power_spectrum.csv, autocorrelation.csv,
// lyapunov.csv and the SVGs series_250/350/5000, power_spectrum, autocorrelation, phase_m, phase_A,
// lyapunov. `title_suffix` (e.g. " (beta_o = 1.27)") is appended to every title.
TrajectoryFiles write_trajectory_files(const std::string& dir, const Orbit& orbit, const std::string& title_suffix,
                                       const TrajectoryLabels& labels = {});

// m^{o,SE}_a over the recorded steps (a = 0, 1, 2).
std::vector<double> overlap_series(const Orbit& orbit, int a);

}  // namespace atn
