// The bifurcation diagram of the mean-field map over β_o: for each β on an even grid, run the
// map from the same initial state (burn-in, then recorded steps), count the distinct values of
// m^{o,SE}_1, compute λ₁, classify by both rules, and keep the points the figure shows:
//   periodic (fewer than 80 distinct values): every distinct value;
//   quasi-periodic or chaotic: only the points on the Poincaré section |m^{o,SE}_2| ≤ 0.001.
// Columns are independent, so they spread over the thread pool; each is computed by one thread
// in a fixed order, so the diagram is bit-identical for any thread count.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dynamics/orbit.h"

namespace atn {

struct BifurcationConfig {
  double beta_min = 1.24, beta_max = 1.28;
  int64_t points = 4001;     // β values, both ends included
  int64_t burn_in = 100000;
  int64_t steps = 10000;     // recorded steps per β
  int64_t levels = 5001;     // quantization of the distinct-value count
  double section = 0.001;    // the Poincaré section |m^{o,SE}_2| ≤ section
  double lambda_threshold = 1e-4;
  MeanFieldConfig map{};     // its beta_o is replaced by each β of the grid
};

// Throws atn::Error naming the bad field.
void check_bifurcation_config(const BifurcationConfig& config);

// β of grid point i: beta_min + i·(beta_max − beta_min)/(points − 1).
double bifurcation_beta(const BifurcationConfig& config, int64_t i);

struct BifurcationColumn {
  int64_t index = 0;
  double beta = 0;
  int64_t distinct = 0;  // distinct quantized values of m^{o,SE}_1
  MfSpectrum lyapunov{};  // sorted, largest first
  Regime by_count = Regime::periodic, by_lyapunov = Regime::periodic;
  std::vector<double> points{};  // the m^{o,SE}_1 values the figure shows
};

BifurcationColumn bifurcation_column(const BifurcationConfig& config, int64_t index);

// Columns `indices` (computed in parallel over the thread pool), in the order given.
// `on_done(column)` is called after each one, from the thread that computed it, under a lock.
std::vector<BifurcationColumn> bifurcation_columns(const BifurcationConfig& config, const std::vector<int64_t>& indices,
                                                   const std::function<void(const BifurcationColumn&)>& on_done = nullptr);

// Text lines that round-trip a column exactly (numbers as %.17g):
//   C,<index>,<beta>,<distinct>,<by_count>,<by_lyapunov>,<λ1>,...,<λ12>
//   P,<index>,<value>            (one per plotted point)
std::string column_to_text(const BifurcationColumn& column);
// Parses the lines of column_to_text (any number of columns, in any order). Throws atn::Error
// quoting `where` and the line when a line is malformed.
std::vector<BifurcationColumn> columns_from_text(const std::string& text, const std::string& where);

// The figures: the diagram (points coloured by the count rule) and λ₁ against β (points coloured
// by the λ₁ rule). Titles and labels come from the caller (lessons pass Spanish).
struct BifurcationFigureText {
  std::string title = "Bifurcation diagram of the mean-field map";
  std::string x_label = "beta_o", y_label = "m^{o,SE}_1";
  std::string lambda_title = "Largest Lyapunov exponent", lambda_label = "lambda_1 (nats/step)";
  std::string periodic = "periodic", quasi_periodic = "quasi-periodic (section)", chaotic = "chaotic (section)";
};
void write_bifurcation_svg(const std::string& path, const std::vector<BifurcationColumn>& columns,
                           const BifurcationFigureText& text = {});
void write_lyapunov_svg(const std::string& path, const std::vector<BifurcationColumn>& columns,
                        const BifurcationFigureText& text = {});
// One row per β: index,beta,distinct,regime_count,regime_lyapunov,lambda_1..lambda_12.
std::string bifurcation_summary_csv(const std::vector<BifurcationColumn>& columns);
// One row per plotted point: beta,m_o_se_1,regime_count.
std::string bifurcation_points_csv(const std::vector<BifurcationColumn>& columns);

}  // namespace atn
