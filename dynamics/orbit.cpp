#include "dynamics/orbit.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

#include "tensor/error.h"

namespace atn {

Orbit run_orbit(const MeanFieldMap& map, MeanFieldState start, const OrbitConfig& config,
                const std::function<void(const MfVec&)>& on_record) {
  if (config.burn_in < 0 || config.steps < 0)
    fail("run_orbit: burn_in and steps must be ≥ 0, got ", config.burn_in, " and ", config.steps);
  Orbit orbit;
  MeanFieldState& s = start;
  MeanFieldMeansCache cache;  // the tanh of the window slots, carried from step to step
  for (int64_t t = 0; t < config.burn_in; ++t) map.step_cached(s, cache);
  if (config.keep_series) {
    orbit.m_o_se.reserve(size_t(config.steps));
    orbit.A.reserve(size_t(config.steps));
  }
  LyapunovAccumulator lyap;
  for (int64_t t = 0; t < config.steps; ++t) {
    const MfVec A0 = s.A[0];
    MeanFieldStep r;
    if (config.lyapunov) {
      lyap.add(mean_field_jacobian(map, s, &r));
      shift_window(s, r.A_new);
    } else {
      r = map.step_cached(s, cache);
    }
    if (config.keep_series) {
      orbit.m_o_se.push_back(r.m_o_se);
      orbit.A.push_back(A0);
    }
    if (on_record) on_record(r.m_o_se);
  }
  if (config.lyapunov) orbit.lyapunov = lyap.sorted_exponents();
  orbit.final_state = s;
  return orbit;
}

const char* regime_name(Regime r) {
  switch (r) {
    case Regime::periodic: return "periodic";
    case Regime::quasi_periodic: return "quasi-periodic";
    case Regime::chaotic: return "chaotic";
  }
  return "?";
}

int64_t quantized_level(double value, int64_t levels) {
  if (levels < 2) fail("quantized_level: levels must be ≥ 2, got ", levels);
  const double clamped = std::clamp(value, -1.0, 1.0);
  return int64_t(std::llround((clamped + 1) / 2 * double(levels - 1)));
}

int64_t count_distinct(const std::vector<double>& values, int64_t levels) {
  std::vector<int64_t> q;
  q.reserve(values.size());
  for (double v : values) q.push_back(quantized_level(v, levels));
  std::sort(q.begin(), q.end());
  return int64_t(std::unique(q.begin(), q.end()) - q.begin());
}

Regime regime_from_count(int64_t distinct) {
  return distinct < 80 ? Regime::periodic : distinct < 2500 ? Regime::quasi_periodic : Regime::chaotic;
}

Regime regime_from_lyapunov(double lambda1, double threshold) {
  return lambda1 < -threshold ? Regime::periodic : lambda1 <= threshold ? Regime::quasi_periodic : Regime::chaotic;
}

int64_t orbit_period(const std::vector<MfVec>& series, int64_t max_period, double tol) {
  const int64_t n = int64_t(series.size());
  for (int64_t p = 1; p <= max_period && p < n; ++p) {
    bool periodic = true;
    for (int64_t t = 0; t + p < n && periodic; ++t)
      for (int a = 0; a < kMfPatterns; ++a)
        if (!(std::abs(series[size_t(t + p)][size_t(a)] - series[size_t(t)][size_t(a)]) <= tol)) periodic = false;
    if (periodic) return p;
  }
  return 0;
}

namespace {

using cd = std::complex<double>;

// In-place iterative radix-2 FFT (n a power of two); inverse uses e^{+i...} without the 1/n.
void fft_pow2(std::vector<cd>& a, bool inverse) {
  const size_t n = a.size();
  for (size_t i = 1, j = 0; i < n; ++i) {  // bit-reversal permutation
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    const double angle = 2 * std::numbers::pi / double(len) * (inverse ? 1 : -1);
    for (size_t i = 0; i < n; i += len)
      for (size_t k = 0; k < len / 2; ++k) {
        const cd w = std::polar(1.0, angle * double(k));  // exact twiddles, no accumulated drift
        const cd u = a[i + k], v = a[i + k + len / 2] * w;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
      }
  }
}

// The DFT of any length by Bluestein: X_k = conj(c_k) Σ_t (x_t conj(c_t)) c_{k−t}, c_t = e^{iπt²/n},
// a convolution done with power-of-two FFTs.
std::vector<cd> dft(const std::vector<double>& x) {
  const size_t n = x.size();
  std::vector<cd> a(x.begin(), x.end());
  if ((n & (n - 1)) == 0) {
    fft_pow2(a, false);
    return a;
  }
  size_t size = 1;
  while (size < 2 * n - 1) size <<= 1;
  std::vector<cd> chirp(n);
  for (size_t t = 0; t < n; ++t) {
    const uint64_t t2 = (uint64_t(t) * t) % (2 * n);  // t² mod 2n keeps the angle small and exact
    chirp[t] = std::polar(1.0, std::numbers::pi * double(t2) / double(n));
  }
  std::vector<cd> u(size), v(size);
  for (size_t t = 0; t < n; ++t) u[t] = a[t] * std::conj(chirp[t]);
  v[0] = chirp[0];
  for (size_t t = 1; t < n; ++t) v[t] = v[size - t] = chirp[t];
  fft_pow2(u, false);
  fft_pow2(v, false);
  for (size_t i = 0; i < size; ++i) u[i] *= v[i];
  fft_pow2(u, true);
  std::vector<cd> X(n);
  for (size_t k = 0; k < n; ++k) X[k] = std::conj(chirp[k]) * u[k] / double(size);
  return X;
}

}  // namespace

std::vector<double> power_spectrum(const std::vector<double>& x) {
  if (x.empty()) fail("power_spectrum: the series is empty");
  const std::vector<cd> X = dft(x);
  std::vector<double> p(x.size() / 2 + 1);
  for (size_t k = 0; k < p.size(); ++k) p[k] = std::norm(X[k]) / double(x.size());
  return p;
}

std::vector<double> power_spectrum_direct(const std::vector<double>& x) {
  if (x.empty()) fail("power_spectrum_direct: the series is empty");
  const size_t n = x.size();
  std::vector<double> p(n / 2 + 1);
  for (size_t k = 0; k < p.size(); ++k) {
    cd sum = 0;
    for (size_t t = 0; t < n; ++t) sum += x[t] * std::polar(1.0, -2 * std::numbers::pi * double((k * t) % n) / double(n));
    p[k] = std::norm(sum) / double(n);
  }
  return p;
}

std::vector<double> autocorrelation(const std::vector<double>& x, int64_t max_lag) {
  if (x.empty()) fail("autocorrelation: the series is empty");
  if (max_lag < 0) fail("autocorrelation: max_lag must be ≥ 0, got ", max_lag);
  const size_t n = x.size();
  double mean = 0;
  for (double v : x) mean += v;
  mean /= double(n);
  double var = 0;
  for (double v : x) var += (v - mean) * (v - mean);
  std::vector<double> r(size_t(max_lag) + 1, 1.0);
  if (var == 0) return r;
  for (size_t lag = 0; lag <= size_t(max_lag); ++lag) {
    double sum = 0;
    for (size_t t = 0; t + lag < n; ++t) sum += (x[t] - mean) * (x[t + lag] - mean);
    r[lag] = sum / var;
  }
  return r;
}

}  // namespace atn
