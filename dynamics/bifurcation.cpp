#include "dynamics/bifurcation.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>

#include "tensor/error.h"
#include "tensor/thread_pool.h"
#include "viz/svg.h"

namespace atn {

void check_bifurcation_config(const BifurcationConfig& c) {
  if (!std::isfinite(c.beta_min) || !std::isfinite(c.beta_max) || c.beta_min > c.beta_max)
    fail("bifurcation: need finite beta_min <= beta_max, got ", c.beta_min, " and ", c.beta_max);
  if (c.points < 1) fail("bifurcation: points must be >= 1, got ", c.points);
  if (c.points == 1 && c.beta_min != c.beta_max) fail("bifurcation: one point needs beta_min == beta_max");
  if (c.burn_in < 0) fail("bifurcation: burn_in must be >= 0, got ", c.burn_in);
  if (c.steps < 1) fail("bifurcation: steps must be >= 1, got ", c.steps);
  if (c.levels < 2) fail("bifurcation: levels must be >= 2, got ", c.levels);
  if (!(c.section > 0)) fail("bifurcation: section must be > 0, got ", c.section);
  if (!(c.lambda_threshold >= 0)) fail("bifurcation: lambda_threshold must be >= 0, got ", c.lambda_threshold);
}

double bifurcation_beta(const BifurcationConfig& c, int64_t i) {
  if (i < 0 || i >= c.points) fail("bifurcation_beta: index ", i, " is outside 0..", c.points - 1);
  if (c.points == 1) return c.beta_min;
  return c.beta_min + double(i) * (c.beta_max - c.beta_min) / double(c.points - 1);
}

BifurcationColumn bifurcation_column(const BifurcationConfig& c, int64_t index) {
  check_bifurcation_config(c);
  BifurcationColumn col;
  col.index = index;
  col.beta = bifurcation_beta(c, index);
  MeanFieldConfig mc = c.map;
  mc.beta_o = col.beta;
  const MeanFieldMap map(mc);
  std::vector<double> m1, section;
  m1.reserve(size_t(c.steps));
  const Orbit orbit = run_orbit(map, mean_field_initial_state(), {.burn_in = c.burn_in, .steps = c.steps, .keep_series = false},
                                [&](const MfVec& m) {
                                  m1.push_back(m[0]);
                                  if (std::abs(m[1]) <= c.section) section.push_back(m[0]);
                                });
  col.lyapunov = orbit.lyapunov;
  col.distinct = count_distinct(m1, c.levels);
  col.by_count = regime_from_count(col.distinct);
  col.by_lyapunov = regime_from_lyapunov(col.lyapunov[0], c.lambda_threshold);
  if (col.by_count == Regime::periodic) {
    std::map<int64_t, double> first_of_level;  // one value per distinct level, in level order
    for (double v : m1) first_of_level.emplace(quantized_level(v, c.levels), v);
    for (const auto& [level, v] : first_of_level) col.points.push_back(v);
  } else {
    col.points = std::move(section);
  }
  return col;
}

std::vector<BifurcationColumn> bifurcation_columns(const BifurcationConfig& c, const std::vector<int64_t>& indices,
                                                   const std::function<void(const BifurcationColumn&)>& on_done) {
  check_bifurcation_config(c);
  for (int64_t i : indices) bifurcation_beta(c, i);  // checks every index before the work starts
  std::vector<BifurcationColumn> out(indices.size());
  std::mutex lock;
  parallel_for(int64_t(indices.size()), [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) {
      out[size_t(j)] = bifurcation_column(c, indices[size_t(j)]);
      if (on_done) {
        std::lock_guard<std::mutex> guard(lock);
        on_done(out[size_t(j)]);
      }
    }
  });
  return out;
}

namespace {
std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

Regime regime_from_name(const std::string& s, const std::string& where, const std::string& line) {
  for (Regime r : {Regime::periodic, Regime::quasi_periodic, Regime::chaotic})
    if (s == regime_name(r)) return r;
  fail(where, ": unknown regime '", s, "' in line: ", line);
}

std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(line);
  while (std::getline(in, part, ',')) parts.push_back(part);
  return parts;
}

double parse_number(const std::string& s, const std::string& where, const std::string& line) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size()) fail(where, ": not a number '", s, "' in line: ", line);
  return v;
}
}  // namespace

std::string column_to_text(const BifurcationColumn& col) {
  std::string s = "C," + std::to_string(col.index) + "," + number(col.beta) + "," + std::to_string(col.distinct) + "," +
                  regime_name(col.by_count) + "," + regime_name(col.by_lyapunov);
  for (double l : col.lyapunov) s += "," + number(l);
  s += "\n";
  for (double p : col.points) s += "P," + std::to_string(col.index) + "," + number(p) + "\n";
  return s;
}

std::vector<BifurcationColumn> columns_from_text(const std::string& text, const std::string& where) {
  std::map<int64_t, BifurcationColumn> by_index;
  std::map<int64_t, std::vector<double>> points;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const std::vector<std::string> f = split_commas(line);
    if (f[0] == "C" && f.size() == 6 + kMfStateSize) {
      BifurcationColumn col;
      col.index = int64_t(parse_number(f[1], where, line));
      col.beta = parse_number(f[2], where, line);
      col.distinct = int64_t(parse_number(f[3], where, line));
      col.by_count = regime_from_name(f[4], where, line);
      col.by_lyapunov = regime_from_name(f[5], where, line);
      for (int i = 0; i < kMfStateSize; ++i) col.lyapunov[size_t(i)] = parse_number(f[size_t(6 + i)], where, line);
      if (!by_index.emplace(col.index, col).second) fail(where, ": column ", col.index, " appears twice");
    } else if (f[0] == "P" && f.size() == 3) {
      points[int64_t(parse_number(f[1], where, line))].push_back(parse_number(f[2], where, line));
    } else {
      fail(where, ": malformed line: ", line);
    }
  }
  std::vector<BifurcationColumn> out;
  for (auto& [index, col] : by_index) {
    col.points = std::move(points[index]);
    points.erase(index);
    out.push_back(std::move(col));
  }
  if (!points.empty()) fail(where, ": points of column ", points.begin()->first, " without its C line");
  return out;
}

void write_bifurcation_svg(const std::string& path, const std::vector<BifurcationColumn>& columns,
                           const BifurcationFigureText& text) {
  svg::Series per[3] = {{.name = text.periodic, .mark = svg::Mark::points},
                        {.name = text.quasi_periodic, .mark = svg::Mark::points},
                        {.name = text.chaotic, .mark = svg::Mark::points}};
  for (const BifurcationColumn& col : columns) {
    svg::Series& s = per[int(col.by_count)];
    for (double p : col.points) {
      s.x.push_back(real(col.beta));
      s.y.push_back(real(p));
    }
  }
  // Quasi-periodic columns keep thousands of section points that land on the same pixels; drawing
  // one per pixel cell keeps the figure a few MB (the CSV keeps every point).
  svg::Plot plot{.title = text.title, .x_label = text.x_label, .y_label = text.y_label, .width = 900, .height = 520,
                 .one_point_per_pixel = true};
  for (svg::Series& s : per)
    if (!s.x.empty()) plot.series.push_back(std::move(s));
  svg::plot(path, plot);
}

void write_lyapunov_svg(const std::string& path, const std::vector<BifurcationColumn>& columns,
                        const BifurcationFigureText& text) {
  svg::Series per[3] = {{.name = text.periodic, .mark = svg::Mark::points},
                        {.name = text.quasi_periodic, .mark = svg::Mark::points},
                        {.name = text.chaotic, .mark = svg::Mark::points}};
  for (const BifurcationColumn& col : columns) {
    svg::Series& s = per[int(col.by_lyapunov)];
    s.x.push_back(real(col.beta));
    s.y.push_back(real(col.lyapunov[0]));
  }
  svg::Plot plot{.title = text.lambda_title, .x_label = text.x_label, .y_label = text.lambda_label, .width = 900, .height = 400};
  for (svg::Series& s : per)
    if (!s.x.empty()) plot.series.push_back(std::move(s));
  svg::plot(path, plot);
}

std::string bifurcation_summary_csv(const std::vector<BifurcationColumn>& columns) {
  std::string s = "index,beta,distinct,regime_count,regime_lyapunov";
  for (int i = 1; i <= kMfStateSize; ++i) s += ",lambda_" + std::to_string(i);
  s += "\n";
  for (const BifurcationColumn& col : columns) {
    s += std::to_string(col.index) + "," + number(col.beta) + "," + std::to_string(col.distinct) + "," +
         regime_name(col.by_count) + "," + regime_name(col.by_lyapunov);
    for (double l : col.lyapunov) s += "," + number(l);
    s += "\n";
  }
  return s;
}

std::string bifurcation_points_csv(const std::vector<BifurcationColumn>& columns) {
  std::string s = "beta,m_o_se_1,regime_count\n";
  for (const BifurcationColumn& col : columns)
    for (double p : col.points) s += number(col.beta) + "," + number(p) + "," + regime_name(col.by_count) + "\n";
  return s;
}

}  // namespace atn
