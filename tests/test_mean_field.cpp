// The mean-field map of self-attention (dynamics/mean_field.h), its Jacobian and Lyapunov
// spectrum (dynamics/lyapunov.h), the autograd version of the step, and the finite network it
// averages (dynamics/finite_network.h).
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/tape.h"
#include "dynamics/finite_network.h"
#include "dynamics/lyapunov.h"
#include "dynamics/mean_field.h"
#include "dynamics/mean_field_autograd.h"
#include "dynamics/orbit.h"
#include "tensor/error.h"

namespace atn {
namespace {

// One step from the spec's initial state in the paper's own form, typed in from the spec: the
// sign configurations σ^(j), the K matrices and the positional weights, with
//   m^α_b = (1−ε)·2^{−(M−1)}·Σ_j K^α_{jb}·tanh(β_o σ^(j)·A) + ε·(1/P)·Σ_i Wpe^α_{b,i} p_i.
struct HandStep {
  double A_new[3], m_o_se[3], m_o[3];
};
HandStep hand_step(double beta) {
  const double eps = 0.02, gain = 220 / std::sqrt(3.0), f = 4.0 / 3;
  const double sigma[4][3] = {{1, 1, 1}, {1, 1, -1}, {1, -1, 1}, {1, -1, -1}};
  const double K[4][4][3] = {{{f, f, f}, {f, f, -f}, {f, -f, f}, {0, 0, 0}},        // o
                             {{f, -f, f}, {f, f, f}, {-f, f, f}, {0, 0, 0}},        // v
                             {{-f, -f, -f}, {-f, f, -f}, {-f, -f, f}, {0, 0, 0}},   // q
                             {{-f, -f, f}, {f, f, f}, {-f, f, -f}, {0, 0, 0}}};     // k
  const double Wpe[4][3][2] = {{{-1, -1}, {1, -1}, {1, 1}},
                               {{-1, -1}, {1, -1}, {-1, 1}},
                               {{1, -1}, {1, 1}, {-1, -1}},
                               {{-1, -1}, {-1, -1}, {-1, 1}}};
  const double A[4][3] = {{-0.2288990374636795, -0.2530313149999776, 0.4001732976785555},
                          {-0.23496112061886298, -0.24696923184202468, 0.394111214523471},
                          {-0.2476108746307339, -0.23431947782437476, 0.38146146051180657},
                          {0.3075271692332457, 0.29189849335671064, 0.9381154737196367}};
  const double p[4][2] = {{1, 1}, {1, -1}, {-1, 1}, {-1, -1}};  // positions 3, 2, 1, 0
  auto m = [&](int alpha, int d, int b, bool with_pe) {
    double se = 0;
    for (int j = 0; j < 4; ++j)
      se += K[alpha][j][b] * std::tanh(beta * (sigma[j][0] * A[d][0] + sigma[j][1] * A[d][1] + sigma[j][2] * A[d][2]));
    double value = (1 - eps) * se / 4;
    if (with_pe) value += eps * (Wpe[alpha][b][0] * p[d][0] + Wpe[alpha][b][1] * p[d][1]) / 2;
    return value;
  };
  double logit[4], w[4], total = 0;
  for (int d = 0; d < 4; ++d) {
    logit[d] = 0;
    for (int b = 0; b < 3; ++b) logit[d] += gain * m(2, 0, b, true) * m(3, d, b, true);
  }
  for (int d = 0; d < 4; ++d) total += w[d] = std::exp(logit[d] - logit[0]);
  HandStep r{};
  for (int b = 0; b < 3; ++b) {
    for (int d = 0; d < 4; ++d) r.A_new[b] += w[d] / total * m(1, d, b, true);
    r.m_o_se[b] = m(0, 0, b, false);
    r.m_o[b] = m(0, 0, b, true);
  }
  return r;
}

TEST(MeanField, OneStepMatchesTheSpecsFormByHand) {
  for (double beta : {0.5, 1.27, 3.0}) {
    const MeanFieldMap map({.beta_o = beta});
    MeanFieldState s = mean_field_initial_state();
    const MeanFieldState before = s;
    const MeanFieldStep r = map.step(s);
    const HandStep h = hand_step(beta);
    for (int b = 0; b < 3; ++b) {
      EXPECT_NEAR(r.A_new[b], h.A_new[b], 1e-12) << "beta " << beta << " b " << b;
      EXPECT_NEAR(r.m_o_se[b], h.m_o_se[b], 1e-12);
      EXPECT_NEAR(r.m_o[b], h.m_o[b], 1e-12);
    }
    // The shift and the rotation: A_t in front, the old slots one further, codes 0, 3, 2, 1.
    EXPECT_EQ(s.A[0], r.A_new);
    for (int d = 1; d < 4; ++d) EXPECT_EQ(s.A[d], before.A[d - 1]);
    EXPECT_EQ(s.code[0], position_code(0));
    EXPECT_EQ(s.code[1], position_code(3));
    EXPECT_EQ(s.code[3], position_code(1));
  }
}

TEST(MeanField, PositionCodesAndBadInput) {
  EXPECT_EQ(position_code(0), (MfCode{-1, -1}));
  EXPECT_EQ(position_code(1), (MfCode{-1, 1}));
  EXPECT_EQ(position_code(2), (MfCode{1, -1}));
  EXPECT_EQ(position_code(3), (MfCode{1, 1}));
  EXPECT_THROW(position_code(4), Error);
  EXPECT_THROW(MeanFieldMap({.beta_o = NAN}), Error);
  EXPECT_THROW(MeanFieldMap({.epsilon = 1.5}), Error);
  MeanFieldWeights bad = seed1_weights();
  bad.segment[kMfQ][1][2] = 0;
  try {
    MeanFieldMap m({}, bad);
    FAIL() << "a zero weight was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("MeanFieldMap"), std::string::npos) << e.what();
  }
}

// Central differences of the double-precision map, one coordinate at a time.
MfJacobian finite_difference_jacobian(const MeanFieldMap& map, const MeanFieldState& state, double h) {
  MfJacobian J{};
  for (int col = 0; col < kMfStateSize; ++col) {
    MeanFieldState plus = state, minus = state;
    plus.A[size_t(col / 3)][size_t(col % 3)] += h;
    minus.A[size_t(col / 3)][size_t(col % 3)] -= h;
    map.step(plus);
    map.step(minus);
    for (int row = 0; row < kMfStateSize; ++row)
      J[size_t(row * kMfStateSize + col)] =
          (plus.A[size_t(row / 3)][size_t(row % 3)] - minus.A[size_t(row / 3)][size_t(row % 3)]) / (2 * h);
  }
  return J;
}

double max_abs(const MfJacobian& J) {
  double m = 0;
  for (double v : J) m = std::max(m, std::abs(v));
  return m;
}

// States where the attention is neither saturated nor uniform: a few steps into a run.
std::vector<std::pair<double, MeanFieldState>> jacobian_cases() {
  std::vector<std::pair<double, MeanFieldState>> cases;
  for (double beta : {1.0, 1.27, 1.4}) {
    const MeanFieldMap map({.beta_o = beta});
    MeanFieldState s = mean_field_initial_state();
    for (int t = 0; t < 40; ++t) {
      if (t % 13 == 0) cases.push_back({beta, s});
      map.step(s);
    }
  }
  return cases;
}

// Bit-for-bit: the cached step only skips recomputing tanh of the same A, the rest of the
// arithmetic is shared, so chaotic runs (β = 1.4, 2.5) must not drift apart either.
TEST(MeanField, CachedStepEqualsTheNaiveStepBitForBit) {
  for (double beta : {0.5, 1.255, 1.27, 1.4, 2.5}) {
    const MeanFieldMap map({.beta_o = beta});
    MeanFieldState naive = mean_field_initial_state(), fast = naive;
    MeanFieldMeansCache cache;
    for (int t = 0; t < 20000; ++t) {
      const MeanFieldStep a = map.step(naive), b = map.step_cached(fast, cache);
      ASSERT_EQ(a.A_new, b.A_new) << "beta " << beta << " step " << t;
      ASSERT_EQ(a.m_o, b.m_o) << "beta " << beta << " step " << t;
      ASSERT_EQ(a.m_o_se, b.m_o_se) << "beta " << beta << " step " << t;
      ASSERT_EQ(a.weights, b.weights) << "beta " << beta << " step " << t;
    }
    EXPECT_EQ(naive.A, fast.A) << beta;
    EXPECT_EQ(naive.code, fast.code) << beta;
  }
}

TEST(MeanField, CachedStepNoticesAnEditedStateAndAnotherMap) {
  const MeanFieldMap map({.beta_o = 1.27}), other({.beta_o = 2.0});
  MeanFieldState naive = mean_field_initial_state(), fast = naive;
  MeanFieldMeansCache cache;
  for (int t = 0; t < 10; ++t) map.step(naive), map.step_cached(fast, cache);
  naive.A[2][1] = fast.A[2][1] = 0.3;  // a slot whose tanh the cache holds
  EXPECT_EQ(map.step(naive).A_new, map.step_cached(fast, cache).A_new);
  EXPECT_EQ(other.step(naive).A_new, other.step_cached(fast, cache).A_new);  // the cache was map's
  EXPECT_EQ(map.step(naive).A_new, map.step_cached(fast, cache).A_new);
}

TEST(MeanFieldJacobian, MatchesFiniteDifferences) {
  for (const auto& [beta, state] : jacobian_cases()) {
    const MeanFieldMap map({.beta_o = beta});
    const MfJacobian J = mean_field_jacobian(map, state), N = finite_difference_jacobian(map, state, 1e-6);
    const double scale = std::max(1.0, max_abs(N));
    for (int i = 0; i < kMfStateSize * kMfStateSize; ++i)
      ASSERT_NEAR(J[size_t(i)], N[size_t(i)], 1e-6 * scale) << "beta " << beta << " entry " << i;
    EXPECT_GT(max_abs(J), 0.1);  // not a trivially zero Jacobian
  }
}

TEST(MeanFieldJacobian, MatchesAutograd) {
  for (const auto& [beta, state] : jacobian_cases()) {
    const MeanFieldMap map({.beta_o = beta});
    const MfJacobian J = mean_field_jacobian(map, state), T = mean_field_jacobian_autograd(map, state);
    const double scale = std::max(1.0, max_abs(J));
    for (int i = 0; i < kMfStateSize * kMfStateSize; ++i)
      ASSERT_NEAR(J[size_t(i)], T[size_t(i)], 2e-4 * scale) << "beta " << beta << " entry " << i;  // float32 tape
  }
  EXPECT_EQ(Tape::current().size(), 0u);
}

TEST(MeanFieldJacobian, AutogradStepEqualsTheMapAndChecksItsInput) {
  const MeanFieldMap map({.beta_o = 1.27});
  MeanFieldState s = mean_field_initial_state();
  Tensor A({4, 3});
  for (int d = 0; d < 4; ++d)
    for (int a = 0; a < 3; ++a) A.at({d, a}) = real(s.A[size_t(d)][size_t(a)]);
  const Var next = mean_field_step_var(map, constant(A), s);
  map.step(s);
  for (int i = 0; i < kMfStateSize; ++i) EXPECT_NEAR(next.value()[i], s.A[size_t(i / 3)][size_t(i % 3)], 1e-5);
  EXPECT_THROW(mean_field_step_var(map, constant(Tensor({3, 3})), s), Error);
  Tape::current().clear();
}

TEST(MeanFieldLyapunov, IdentityAndShiftHaveKnownExponents) {
  // J = 2·I: every direction doubles, λ = log 2. A rotation-free diagonal J: λ_i = log|d_i|.
  LyapunovAccumulator twice, diag;
  MfJacobian J2{}, D{};
  for (int i = 0; i < kMfStateSize; ++i) {
    J2[size_t(i * kMfStateSize + i)] = 2;
    D[size_t(i * kMfStateSize + i)] = std::exp(-0.1 * i);
  }
  for (int t = 0; t < 5; ++t) {
    twice.add(J2);
    diag.add(D);
  }
  for (int i = 0; i < kMfStateSize; ++i) {
    EXPECT_NEAR(twice.exponents()[size_t(i)], std::log(2.0), 1e-12);
    EXPECT_NEAR(diag.sorted_exponents()[size_t(i)], -0.1 * i, 1e-12);
  }
}

// The spec's known check, from the upstream stored results: at β_o = 1.27382 the orbit (after
// 100 000 steps of burn-in) has period 28 and the spectrum begins −0.0346, −0.0346, −0.2667.
TEST(MeanFieldLyapunov, KnownPeriod28OrbitAndSpectrum) {
  const MeanFieldMap map({.beta_o = 1.27382});
  const Orbit o = run_orbit(map, mean_field_initial_state(), {.burn_in = 100000, .steps = 10000});
  EXPECT_EQ(orbit_period(o.A, 100, 1e-9), 28);
  const double expected[] = {-0.0346, -0.0346, -0.2667, -0.4129, -0.4130, -0.5165,
                             -0.9527, -1.0525, -1.1499, -1.1499, -1.2207, -1.3927};
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(o.lyapunov[size_t(i)], expected[i], 2e-3) << "lambda " << i + 1;
  for (int i = 3; i < kMfStateSize; ++i) EXPECT_NEAR(o.lyapunov[size_t(i)], expected[i], 2e-3) << "lambda " << i + 1;
}

TEST(FiniteNetwork, ApproachesTheMeanFieldMapAsNGrows) {
  // From the same window, over 30 steps at β_o = 1.0: the mean gap between the measured
  // m^{o,SE} and the map's shrinks as N_SE grows (the overlaps' noise is ~1/√N_SE).
  const double beta = 1.0;
  const MeanFieldMap map({.beta_o = beta});
  std::vector<MfVec> mf;
  MeanFieldState s = mean_field_initial_state();
  for (int t = 0; t < 30; ++t) mf.push_back(map.step(s).m_o_se);
  auto gap = [&](int64_t n) {
    double sum = 0;
    for (uint64_t seed = 1; seed <= 2; ++seed) {
      FiniteNetwork net({.n_semantic = n, .seed = seed, .map = {.beta_o = beta}}, mean_field_initial_state());
      for (int t = 0; t < 30; ++t) {
        const MfVec m = net.step().m_o_se;
        for (int a = 0; a < 3; ++a) sum += std::abs(m[size_t(a)] - mf[size_t(t)][size_t(a)]);
      }
    }
    return sum / (2 * 30 * 3);
  };
  const double g_small = gap(99), g_mid = gap(9999), g_large = gap(99999);
  EXPECT_LT(g_mid, g_small);
  EXPECT_LT(g_large, g_mid);
  EXPECT_LT(g_large, 0.01);
}

TEST(FiniteNetwork, SpinsAndOverlapsAreConsistentAndBadSizesThrow) {
  FiniteNetwork net({.n_semantic = 30, .seed = 3}, mean_field_initial_state());
  const std::vector<int8_t>& x = net.token(0);
  ASSERT_EQ(x.size(), 30u);
  for (int8_t v : x) EXPECT_TRUE(v == 1 || v == -1);
  double sum = 0;  // m^{o,SE}_1 by hand from the spins
  for (int64_t i = 0; i < 30; ++i) sum += net.weight(kMfO, 0, i) * x[size_t(i)];
  EXPECT_NEAR(net.semantic_overlap(kMfO, 0)[0], 0.98 * sum / 30, 1e-15);
  EXPECT_EQ(net.weight(kMfO, 0, 0), -1);  // segment 1 of W^o row 1
  EXPECT_EQ(net.weight(kMfO, 0, 29), 1);  // segment 3
  EXPECT_THROW(FiniteNetwork({.n_semantic = 100}, mean_field_initial_state()), Error);
  EXPECT_THROW(FiniteNetwork({.n_semantic = 0}, mean_field_initial_state()), Error);
  EXPECT_THROW(net.semantic_overlap(kMfO, 4), Error);
}

}  // namespace
}  // namespace atn
