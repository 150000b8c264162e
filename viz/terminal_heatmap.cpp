#include "viz/terminal_heatmap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "viz/svg.h"

namespace atn {

namespace {

// Columns a string takes on screen: UTF-8 continuation bytes (10xxxxxx) take none.
size_t width_of(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

std::string pad_left(const std::string& s, size_t width) {
  const size_t w = width_of(s);
  return w >= width ? s : std::string(width - w, ' ') + s;
}

std::string pad_right(const std::string& s, size_t width) {
  const size_t w = width_of(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

const char* const kShades[] = {" ", "░", "▒", "▓", "█"};

// The nearest of the 6x6x6 color cube of a 256-color terminal (indices 16..231).
int cube_index(svg::Rgb c) {
  auto q = [](int v) { return int(std::lround(v / 255.0 * 5)); };
  return 16 + 36 * q(c.r) + 6 * q(c.g) + q(c.b);
}

}  // namespace

std::string terminal_heatmap(const Tensor& m, const TerminalHeatmap& o) {
  if (!m.defined() || m.dim() != 2 || m.numel() == 0)
    fail("terminal_heatmap: expected a non-empty 2-D matrix, got shape ",
         m.defined() ? to_string(m.shape()) : "undefined");
  const int64_t rows = m.size(0), cols = m.size(1);
  if (!o.row_labels.empty() && int64_t(o.row_labels.size()) != rows)
    fail("terminal_heatmap: ", o.row_labels.size(), " row labels for a matrix of shape ", to_string(m.shape()));
  if (!o.col_labels.empty() && int64_t(o.col_labels.size()) != cols)
    fail("terminal_heatmap: ", o.col_labels.size(), " column labels for a matrix of shape ", to_string(m.shape()));

  for (const auto& [name, bound] : {std::pair{"vmin", o.vmin}, {"vmax", o.vmax}})
    if (bound && !std::isfinite(*bound)) fail("terminal_heatmap: ", name, " must be finite, got ", *bound);
  if (o.vmin && o.vmax && *o.vmin > *o.vmax) fail("terminal_heatmap: vmin ", *o.vmin, " > vmax ", *o.vmax);

  double lo = INFINITY, hi = -INFINITY;
  for (real v : m)
    if (std::isfinite(v)) lo = std::min(lo, double(v)), hi = std::max(hi, double(v));
  if (o.vmin) lo = *o.vmin;
  if (o.vmax) hi = *o.vmax;
  if (!(lo <= hi)) {  // nothing finite, or one bound given beyond all the data: a one-point scale there
    if (o.vmin)
      hi = lo;
    else if (o.vmax)
      lo = hi;
    else
      lo = 0, hi = 1;
  }
  // Position in the scale, 0..1: values outside [lo, hi] (and ±inf) take the ends; a constant
  // matrix sits in the middle.
  auto scale = [&](double v) {
    if (std::isnan(v)) return 0.5;
    if (v < lo) return 0.0;
    if (v > hi) return 1.0;
    return hi > lo ? (v - lo) / (hi - lo) : 0.5;
  };
  auto number = [&](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", o.decimals, v);
    return std::string(buf);
  };

  std::vector<std::string> row_labels(static_cast<size_t>(rows)), col_labels(static_cast<size_t>(cols));
  for (int64_t i = 0; i < rows; ++i)
    row_labels[size_t(i)] = o.row_labels.empty() ? std::to_string(i) : o.row_labels[size_t(i)];
  for (int64_t j = 0; j < cols; ++j)
    col_labels[size_t(j)] = o.col_labels.empty() ? std::to_string(j) : o.col_labels[size_t(j)];
  size_t row_w = 0, value_w = 0, cell_w = 2;
  for (const auto& s : row_labels) row_w = std::max(row_w, width_of(s));
  if (o.values)
    for (real v : m) value_w = std::max(value_w, number(v).size());
  // Shades take two columns and a space before the number; colors need only the number and a margin.
  const size_t content_w = o.color ? (o.values ? value_w + 2 : 2) : (o.values ? value_w + 3 : 2);
  cell_w = content_w;
  for (const auto& s : col_labels) cell_w = std::max(cell_w, width_of(s));

  auto cell = [&](double v) {
    const double t = scale(v);
    if (o.color) {
      const svg::Rgb c = svg::viridis(t);
      const bool dark = 0.299 * c.r + 0.587 * c.g + 0.114 * c.b < 140;
      const int bg = std::isnan(v) ? 244 : cube_index(c);
      const std::string body = o.values ? pad_left(number(v) + " ", cell_w) : std::string(cell_w, ' ');
      return "\033[48;5;" + std::to_string(bg) + "m\033[38;5;" + (dark ? "231" : "16") + "m" + body + "\033[0m";
    }
    const std::string shade = std::isnan(v) ? "?" : kShades[std::min(4, int(t * 5))];
    return pad_left(shade + shade + (o.values ? " " + pad_left(number(v), value_w) : ""), cell_w);
  };

  std::string out = std::string(row_w, ' ');
  for (const auto& s : col_labels) out += " " + pad_left(s, cell_w);
  out += "\n";
  for (int64_t i = 0; i < rows; ++i) {
    out += pad_right(row_labels[size_t(i)], row_w);
    for (int64_t j = 0; j < cols; ++j) out += " " + cell(m[i * cols + j]);
    out += "\n";
  }
  // Legend: the five levels from the lowest value to the highest.
  std::string levels;
  for (int k = 0; k < 5; ++k)
    levels += o.color ? "\033[48;5;" + std::to_string(cube_index(svg::viridis(k / 4.0))) + "m  \033[0m"
                      : std::string(kShades[k]);
  out += std::string(row_w, ' ') + " " + number(lo) + " [" + levels + "] " + number(hi) + "\n";
  return out;
}

}  // namespace atn
