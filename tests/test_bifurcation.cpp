// Long runs of the mean-field map (dynamics/orbit.h) and the bifurcation diagram
// (dynamics/bifurcation.h): the classification rules, the spectrum and autocorrelation, the
// diagram's columns (thread-count independent, round-tripped through text) and its figures.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numbers>

#include "dynamics/bifurcation.h"
#include "dynamics/trajectory_figures.h"
#include "tensor/error.h"
#include "tensor/rng.h"
#include "tensor/thread_pool.h"
#include "tests/test_util.h"
#include "tests/xml_well_formed.h"

namespace atn {
namespace {

using testing_util::read_text_file;
using testing_util::xml_problem;

TEST(Orbit, ClassificationRules) {
  EXPECT_EQ(regime_from_count(1), Regime::periodic);
  EXPECT_EQ(regime_from_count(79), Regime::periodic);
  EXPECT_EQ(regime_from_count(80), Regime::quasi_periodic);
  EXPECT_EQ(regime_from_count(2499), Regime::quasi_periodic);
  EXPECT_EQ(regime_from_count(2500), Regime::chaotic);
  EXPECT_EQ(regime_from_lyapunov(-2e-4), Regime::periodic);
  EXPECT_EQ(regime_from_lyapunov(5e-5), Regime::quasi_periodic);
  EXPECT_EQ(regime_from_lyapunov(-5e-5), Regime::quasi_periodic);
  EXPECT_EQ(regime_from_lyapunov(2e-4), Regime::chaotic);
  // 5001 levels over [−1, 1]: a step of 4e-4; values closer than half a step share a level.
  EXPECT_EQ(count_distinct({0.1, 0.1 + 1e-5, 0.1 + 5e-4, -0.3}), 3);
  EXPECT_EQ(quantized_level(-1, 5001), 0);
  EXPECT_EQ(quantized_level(1, 5001), 5000);
  EXPECT_THROW(quantized_level(0, 1), Error);
}

TEST(Orbit, PeriodOfASeries) {
  std::vector<MfVec> s;
  for (int t = 0; t < 60; ++t) s.push_back({double(t % 6), double(t % 3), 0});
  EXPECT_EQ(orbit_period(s, 20), 6);
  s[59][2] = 1;  // breaks every period
  EXPECT_EQ(orbit_period(s, 20), 0);
}

TEST(Orbit, PowerSpectrumEqualsTheDirectSumAndFindsTheFrequency) {
  Rng rng(3);
  for (size_t n : {size_t(1), size_t(8), size_t(100), size_t(257)}) {
    std::vector<double> x(n);
    for (double& v : x) v = rng.uniform_double() - 0.5;
    const std::vector<double> a = power_spectrum(x), b = power_spectrum_direct(x);
    ASSERT_EQ(a.size(), n / 2 + 1);
    for (size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 1e-10) << "n " << n << " k " << k;
  }
  // cos(2π·7t/100): all the power at k = 7, |X_7|²/n = n/4.
  std::vector<double> c(100);
  for (size_t t = 0; t < 100; ++t) c[t] = std::cos(2 * std::numbers::pi * 7 * double(t) / 100);
  const std::vector<double> p = power_spectrum(c);
  EXPECT_NEAR(p[7], 25, 1e-9);
  EXPECT_NEAR(p[6] + p[8] + p[0], 0, 1e-9);
  EXPECT_THROW(power_spectrum({}), Error);
}

TEST(Orbit, Autocorrelation) {
  std::vector<double> x;
  for (int t = 0; t < 400; ++t) x.push_back(t % 2 ? 1.0 : -1.0);
  const std::vector<double> r = autocorrelation(x, 3);
  EXPECT_DOUBLE_EQ(r[0], 1);
  EXPECT_NEAR(r[1], -399.0 / 400, 1e-12);
  EXPECT_NEAR(r[2], 398.0 / 400, 1e-12);
  EXPECT_EQ(autocorrelation({2, 2, 2}, 2), (std::vector<double>{1, 1, 1}));
  EXPECT_THROW(autocorrelation(x, -1), Error);
}

// A small diagram that crosses the regimes of the zoom: short runs, so the columns are cheap.
BifurcationConfig small_diagram() {
  return {.beta_min = 1.25, .beta_max = 1.4, .points = 6, .burn_in = 3000, .steps = 3000};
}

TEST(Bifurcation, ColumnsAreTheSameForAnyThreadCount) {
  const BifurcationConfig c = small_diagram();
  const std::vector<int64_t> idx = {0, 1, 2, 3, 4, 5};
  const testing_util::KeepThreadCount keep;
  set_num_threads(1);
  const std::vector<BifurcationColumn> one = bifurcation_columns(c, idx);
  set_num_threads(2);
  int calls = 0;
  const std::vector<BifurcationColumn> two = bifurcation_columns(c, idx, [&](const BifurcationColumn&) { ++calls; });
  EXPECT_EQ(calls, 6);
  ASSERT_EQ(one.size(), two.size());
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].index, int64_t(i));
    EXPECT_EQ(one[i].beta, bifurcation_beta(c, int64_t(i)));
    EXPECT_EQ(one[i].points, two[i].points);
    EXPECT_EQ(one[i].lyapunov, two[i].lyapunov);
    EXPECT_EQ(one[i].distinct, two[i].distinct);
  }
  EXPECT_DOUBLE_EQ(bifurcation_beta(c, 5), 1.4);
  // The periodic columns keep one value per distinct level; the others their section points.
  bool saw_periodic = false, saw_other = false;
  for (const BifurcationColumn& col : one) {
    if (col.by_count == Regime::periodic) {
      saw_periodic = true;
      EXPECT_EQ(int64_t(col.points.size()), col.distinct);
    } else {
      saw_other = true;
      EXPECT_LT(int64_t(col.points.size()), c.steps);
    }
  }
  EXPECT_TRUE(saw_periodic);
  EXPECT_TRUE(saw_other);
  // β_o = 1.4 is chaotic by λ₁ (λ₁ ≈ 0.07 in the paper's long runs); β_o = 1.25 has few distinct values.
  EXPECT_EQ(one[5].by_lyapunov, Regime::chaotic);
  EXPECT_GT(one[5].lyapunov[0], 1e-4);
  EXPECT_EQ(one[0].by_count, Regime::periodic);
}

TEST(Bifurcation, TextRoundTripsExactlyAndBadTextThrows) {
  const BifurcationConfig c = small_diagram();
  const std::vector<BifurcationColumn> cols = bifurcation_columns(c, {4, 1});
  const std::vector<BifurcationColumn> back = columns_from_text(column_to_text(cols[0]) + column_to_text(cols[1]), "x");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].index, 1);  // sorted by index
  EXPECT_EQ(back[1].index, 4);
  EXPECT_EQ(back[1].beta, cols[0].beta);
  EXPECT_EQ(back[1].points, cols[0].points);
  EXPECT_EQ(back[1].lyapunov, cols[0].lyapunov);
  EXPECT_EQ(back[1].by_count, cols[0].by_count);
  EXPECT_THROW(columns_from_text("C,1,2\n", "f.txt"), Error);
  EXPECT_THROW(columns_from_text("P,1,0.5\n", "f.txt"), Error);
  EXPECT_THROW(columns_from_text("P,1,abc\n", "f.txt"), Error);
}

TEST(Bifurcation, BadConfigThrows) {
  EXPECT_THROW(bifurcation_column({.beta_min = 2, .beta_max = 1}, 0), Error);
  EXPECT_THROW(bifurcation_column({.points = 0}, 0), Error);
  EXPECT_THROW(bifurcation_column({.steps = 0}, 0), Error);
  EXPECT_THROW(bifurcation_column({.points = 3}, 3), Error);
  EXPECT_THROW(bifurcation_columns({.points = 3}, {0, 7}), Error);
}

TEST(Bifurcation, FiguresAndTables) {
  const std::string dir = ::testing::TempDir() + "atn_bifurcation_fig";
  std::filesystem::remove_all(dir);
  const std::vector<BifurcationColumn> cols = bifurcation_columns(small_diagram(), {0, 1, 2, 3, 4, 5});
  write_bifurcation_svg(dir + "/d.svg", cols, {.title = "Diagrama", .periodic = "periódico"});
  write_lyapunov_svg(dir + "/l.svg", cols);
  for (const std::string f : {"/d.svg", "/l.svg"}) {
    const std::string text = read_text_file(dir + f);
    EXPECT_EQ(xml_problem(text), "") << f;
    EXPECT_NE(text.find("class=\"point\""), std::string::npos) << f;
  }
  EXPECT_NE(read_text_file(dir + "/d.svg").find("Diagrama"), std::string::npos);
  EXPECT_NE(read_text_file(dir + "/d.svg").find("periódico"), std::string::npos);
  const std::string summary = bifurcation_summary_csv(cols);
  EXPECT_EQ(std::count(summary.begin(), summary.end(), '\n'), 7);
  EXPECT_EQ(summary.rfind("index,beta,distinct,regime_count,regime_lyapunov,lambda_1,", 0), 0u);
}

size_t count_points(const std::string& svg) {
  size_t n = 0;
  for (size_t at = svg.find("class=\"point\""); at != std::string::npos; at = svg.find("class=\"point\"", at + 1)) ++n;
  return n;
}

TEST(Bifurcation, DenseColumnsDrawAtMostOnePointPerPixelAndKeepEveryPointInTheCsv) {
  // Six columns of 20 000 points each (a quasi-periodic column keeps about that many section
  // points), two regimes (two colours). Each column is one x pixel, so a colour can draw at most
  // one point per y pixel of the plot area (520 − 40 − 50 = 430 pixels, 431 rounded values) per column.
  const std::string dir = ::testing::TempDir() + "atn_bifurcation_dense";
  std::filesystem::remove_all(dir);
  Rng rng(7);
  std::vector<BifurcationColumn> cols;
  const int64_t per_column = 20000;
  for (int64_t c = 0; c < 6; ++c) {
    BifurcationColumn col{.index = c, .beta = 1.24 + 0.001 * double(c)};
    col.by_count = c < 3 ? Regime::quasi_periodic : Regime::chaotic;
    for (int64_t i = 0; i < per_column; ++i) col.points.push_back(rng.uniform() - 0.5);
    cols.push_back(std::move(col));
  }
  write_bifurcation_svg(dir + "/d.svg", cols, {.title = "Diagrama denso", .quasi_periodic = "cuasi-periódico"});
  const std::string svg = read_text_file(dir + "/d.svg");
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_NE(svg.find("Diagrama denso"), std::string::npos);
  EXPECT_NE(svg.find("cuasi-periódico"), std::string::npos);
  const size_t drawn = count_points(svg);
  EXPECT_LE(drawn, 6u * 431u);
  EXPECT_GE(drawn, 6u * 300u);  // uniform points over most of the axis fill most pixels: thinned, not emptied
  EXPECT_LT(svg.size(), 1000000u);
  const std::string csv = bifurcation_points_csv(cols);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 6 * per_column);
}

TEST(Trajectory, WritesEveryTableAndFigure) {
  const std::string dir = ::testing::TempDir() + "atn_trajectory_fig";
  std::filesystem::remove_all(dir);
  const Orbit o = run_orbit(MeanFieldMap({.beta_o = 1.27}), mean_field_initial_state(), {.burn_in = 2000, .steps = 600});
  const TrajectoryFiles f = write_trajectory_files(dir, o, " (beta_o = 1.27)");
  EXPECT_EQ(f.csv.size(), 4u);
  EXPECT_EQ(f.svg.size(), 8u);
  for (const std::string& p : f.svg) EXPECT_EQ(xml_problem(read_text_file(p)), "") << p;
  const std::string traj = read_text_file(dir + "/trajectory.csv");
  EXPECT_EQ(std::count(traj.begin(), traj.end(), '\n'), 601);
  const std::string ac = read_text_file(dir + "/autocorrelation.csv");
  EXPECT_EQ(std::count(ac.begin(), ac.end(), '\n'), 101);  // header + lags 0..99
  EXPECT_NE(read_text_file(dir + "/lyapunov.svg").find("beta_o = 1.27"), std::string::npos);
  Orbit empty;
  EXPECT_THROW(write_trajectory_files(dir, empty, ""), Error);
}

}  // namespace
}  // namespace atn
