// Running the mean-field map for a long time and telling what its orbit does: the recorded
// series, the Lyapunov spectrum, the two classification rules of the paper, the period of a
// periodic orbit, and the power spectrum and autocorrelation of a series.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dynamics/lyapunov.h"
#include "dynamics/mean_field.h"

namespace atn {

struct OrbitConfig {
  int64_t burn_in = 100000;  // steps thrown away first (the transient)
  int64_t steps = 10000;     // recorded steps
  bool lyapunov = true;      // also accumulate the spectrum over the recorded steps
  bool keep_series = true;   // keep the recorded series (a diagram column only needs summaries)
};

struct Orbit {
  // At each recorded step, before it moves on: m^{o,SE}(A_0) and A_0, the newest attention vector.
  std::vector<MfVec> m_o_se{}, A{};
  MfSpectrum lyapunov{};  // sorted from largest to smallest; zeros when not computed
  MeanFieldState final_state{};
};

// Runs `burn_in + steps` steps from `start`. When keep_series is false, `on_record(m_o_se)` is the
// only way to see the recorded values (it is called for every recorded step in both cases).
Orbit run_orbit(const MeanFieldMap& map, MeanFieldState start, const OrbitConfig& config,
                const std::function<void(const MfVec& m_o_se)>& on_record = nullptr);

enum class Regime { periodic, quasi_periodic, chaotic };
const char* regime_name(Regime r);  // "periodic", "quasi-periodic", "chaotic"

// The number of distinct values after rounding each to one of `levels` evenly spaced levels over
// [−1, 1] (where every overlap lies).
int64_t quantized_level(double value, int64_t levels);
int64_t count_distinct(const std::vector<double>& values, int64_t levels = 5001);

// The paper's rules: fewer than 80 distinct values → periodic, 80–2499 → quasi-periodic, more →
// chaotic; and λ₁ < −threshold → periodic, |λ₁| ≤ threshold → quasi-periodic, else chaotic.
Regime regime_from_count(int64_t distinct);
Regime regime_from_lyapunov(double lambda1, double threshold = 1e-4);

// The smallest p ≤ max_period with |x_{t+p} − x_t| ≤ tol for every t and coordinate of the
// series (a periodic orbit after its transient); 0 when there is none.
int64_t orbit_period(const std::vector<MfVec>& series, int64_t max_period, double tol = 1e-9);

// |X_k|²/n for k = 0..n/2, X the discrete Fourier transform of x (any length n ≥ 1; radix-2 FFT
// when n is a power of two, Bluestein's chirp-z transform through one otherwise).
std::vector<double> power_spectrum(const std::vector<double>& x);
// The same by the O(n²) sum, as a reference for tests.
std::vector<double> power_spectrum_direct(const std::vector<double>& x);

// r(τ) = Σ_t (x_t − μ)(x_{t+τ} − μ) / Σ_t (x_t − μ)² for τ = 0..max_lag (lags ≥ n give 0);
// a constant series gives r = 1 at every lag (it is perfectly predictable).
std::vector<double> autocorrelation(const std::vector<double>& x, int64_t max_lag);

}  // namespace atn
