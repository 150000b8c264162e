#include "viz/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <unordered_set>

#include "tensor/atomic_file.h"

namespace atn::svg {

namespace {

// Ten colors that stay distinguishable (the "Tableau 10" palette).
const char* const kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

// Coordinates with one decimal: enough for a screen, and the file stays small.
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A value for a label: four significant digits ("0.3333", "1.2e+04", "-inf").
std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string hex(Rgb c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c.r, c.g, c.b);
  return buf;
}

std::string open_svg(int width, int height) {
  std::ostringstream os;
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height << "\" viewBox=\"0 0 "
     << width << " " << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
     << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  return os.str();
}

// <text> at (x, y); anchor is start, middle or end; rotate in degrees around the anchor point.
std::string text(double x, double y, const std::string& s, const char* anchor = "middle", double rotate = 0,
                 double size = 12, const char* fill = "#222") {
  std::ostringstream os;
  os << "<text x=\"" << num(x) << "\" y=\"" << num(y) << "\" text-anchor=\"" << anchor << "\"";
  if (size != 12) os << " font-size=\"" << num(size) << "\"";
  if (std::string(fill) != "#222") os << " fill=\"" << fill << "\"";
  if (rotate != 0) os << " transform=\"rotate(" << num(rotate) << " " << num(x) << " " << num(y) << ")\"";
  os << ">" << escape(s) << "</text>\n";
  return os.str();
}

std::string line(double x1, double y1, double x2, double y2, const char* stroke, double width = 1,
                 const char* cls = nullptr) {
  std::ostringstream os;
  os << "<line";
  if (cls) os << " class=\"" << cls << "\"";
  os << " x1=\"" << num(x1) << "\" y1=\"" << num(y1) << "\" x2=\"" << num(x2) << "\" y2=\"" << num(y2) << "\" stroke=\""
     << stroke << "\" stroke-width=\"" << num(width) << "\"/>\n";
  return os.str();
}

// A tick label: as few decimals as the tick step needs, and never "-0".
std::string tick_label(double v, double step) {
  if (std::fabs(v) < step * 1e-6) v = 0;
  const int decimals = std::max(0, int(-std::floor(std::log10(step) + 1e-9)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// 1, 2 or 5 times a power of ten, so that about `target` ticks cover `range`.
double nice_step(double range, int target) {
  const double raw = range / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

// One axis: its range (in log10 units when logarithmic) and its tick positions and labels.
struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  std::vector<double> ticks;  // in axis units
  std::vector<std::string> labels;
};

Axis make_axis(double lo, double hi, bool log) {
  Axis a;
  a.log = log;
  if (!(lo <= hi)) lo = 0, hi = log ? 10 : 1;  // no data at all
  if (log) {
    a.lo = std::floor(std::log10(lo));
    a.hi = std::ceil(std::log10(hi));
    if (a.hi == a.lo) a.hi += 1;
    const int every = std::max(1, int(std::ceil((a.hi - a.lo) / 8)));
    for (double k = a.lo; k <= a.hi + 1e-9; k += every) {
      a.ticks.push_back(k);
      char buf[32];
      if (k >= -3 && k <= 4)
        std::snprintf(buf, sizeof buf, "%g", std::pow(10.0, k));
      else
        std::snprintf(buf, sizeof buf, "1e%d", int(k));
      a.labels.push_back(buf);
    }
    return a;
  }
  if (hi == lo) {  // a constant: widen so it sits in the middle
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad, hi += pad;
  }
  const double step = nice_step(hi - lo, 5);
  a.lo = std::floor(lo / step + 1e-9) * step;
  a.hi = std::ceil(hi / step - 1e-9) * step;
  for (double t = a.lo; t <= a.hi + step * 1e-6; t += step) {
    a.ticks.push_back(t);
    a.labels.push_back(tick_label(t, step));
  }
  return a;
}

// Whether a value can be drawn on this kind of axis.
bool drawable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

}  // namespace

Rgb viridis(double t) {
  // Five samples of matplotlib's viridis colormap, linearly interpolated.
  static const Rgb stops[] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  if (!(t > 0)) t = 0;  // also catches NaN
  if (t > 1) t = 1;
  const double s = t * 4;
  const int i = std::min(3, int(s));
  const double f = s - i;
  auto mix = [f](int a, int b) { return int(std::lround(a + (b - a) * f)); };
  return {mix(stops[i].r, stops[i + 1].r), mix(stops[i].g, stops[i + 1].g), mix(stops[i].b, stops[i + 1].b)};
}

std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void write_file_atomically(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  if (path.empty()) fail("svg: empty output path");
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec) fail("svg: cannot create folder '", target.parent_path().string(), "': ", ec.message());
  }
  atn::write_file_atomically(path, content, "svg");
}

void plot(const std::string& path, const Plot& p) { write_file_atomically(path, plot_text(p)); }

std::string plot_text(const Plot& p) {
  // Check the data and find the range of what can be drawn.
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (const Series& s : p.series) {
    if (!s.x.empty() && s.x.size() != s.y.size())
      fail("svg::plot: series '", s.name, "' has ", s.x.size(), " x values and ", s.y.size(), " y values");
    for (size_t i = 0; i < s.y.size(); ++i) {
      const double x = s.x.empty() ? double(i) : double(s.x[i]), y = s.y[i];
      if (!drawable(x, p.log_x) || !drawable(y, p.log_y)) continue;
      x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x);
      y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
    }
  }
  for (const auto& [bound, name] : {std::pair{p.y_min, "y_min"}, {p.y_max, "y_max"}})
    if (bound && !drawable(*bound, p.log_y))
      fail("svg::plot: ", name, " = ", *bound, p.log_y ? " must be finite and > 0 on a log axis" : " must be finite");
  if (p.y_min) y_lo = *p.y_min, y_hi = std::max(y_hi, y_lo);  // (no data above it: a range of one value)
  if (p.y_max) y_hi = *p.y_max, y_lo = std::min(y_lo, y_hi);
  if (p.y_min && p.y_max && !(*p.y_min < *p.y_max))
    fail("svg::plot: y_min = ", *p.y_min, " must be below y_max = ", *p.y_max);
  const Axis ax = make_axis(x_lo, x_hi, p.log_x), ay = make_axis(y_lo, y_hi, p.log_y);

  const double left = 70, right = 20, top = p.title.empty() ? 20 : 40, bottom = 50;
  const double pw = p.width - left - right, ph = p.height - top - bottom;
  if (pw < 50 || ph < 50) fail("svg::plot: figure ", p.width, "x", p.height, " is too small");
  auto X = [&](double x) { return left + ((p.log_x ? std::log10(x) : x) - ax.lo) / (ax.hi - ax.lo) * pw; };
  auto Y = [&](double y) { return top + ph - ((p.log_y ? std::log10(y) : y) - ay.lo) / (ay.hi - ay.lo) * ph; };
  auto Yaxis = [&](double t) { return top + ph - (t - ay.lo) / (ay.hi - ay.lo) * ph; };  // t in axis units

  std::string svg = open_svg(p.width, p.height);
  if (!p.title.empty()) svg += text(p.width / 2.0, 24, p.title, "middle", 0, 15);
  // Grid, ticks and their labels.
  for (size_t i = 0; i < ax.ticks.size(); ++i) {
    const double x = left + (ax.ticks[i] - ax.lo) / (ax.hi - ax.lo) * pw;
    svg += line(x, top, x, top + ph, "#e4e4e4");
    svg += text(x, top + ph + 16, ax.labels[i]);
  }
  for (size_t i = 0; i < ay.ticks.size(); ++i) {
    const double y = Yaxis(ay.ticks[i]);
    svg += line(left, y, left + pw, y, "#e4e4e4");
    svg += text(left - 6, y + 4, ay.labels[i], "end");
  }
  svg += line(left, top + ph, left + pw, top + ph, "#444");
  svg += line(left, top, left, top + ph, "#444");
  if (!p.x_label.empty()) svg += text(left + pw / 2, p.height - 10.0, p.x_label);
  if (!p.y_label.empty()) svg += text(16, top + ph / 2, p.y_label, "middle", -90);

  // The data: one path per line series (broken where a value cannot be drawn), one circle per point.
  for (size_t k = 0; k < p.series.size(); ++k) {
    const Series& s = p.series[k];
    const char* color = kPalette[k % 10];
    std::ostringstream d;
    bool pen_down = false;
    std::unordered_set<int64_t> drawn_pixels;  // for one_point_per_pixel: the cells this series has a point in
    for (size_t i = 0; i < s.y.size(); ++i) {
      const double x = s.x.empty() ? double(i) : double(s.x[i]), y = s.y[i];
      if (!drawable(x, p.log_x) || !drawable(y, p.log_y)) {
        pen_down = false;
        continue;
      }
      if (s.mark == Mark::points) {
        if (p.one_point_per_pixel) {
          // Data inside the axes map inside the figure, so the cell numbers fit well within int64.
          const int64_t cell = int64_t(std::lround(X(x))) * (int64_t(p.height) + 1) + int64_t(std::lround(Y(y)));
          if (!drawn_pixels.insert(cell).second) continue;
        }
        svg += "<circle class=\"point\" cx=\"" + num(X(x)) + "\" cy=\"" + num(Y(y)) + "\" r=\"3\" fill=\"" + color +
               "\" fill-opacity=\"0.8\"/>\n";
      } else {
        d << (pen_down ? " L" : (d.tellp() > 0 ? " M" : "M")) << num(X(x)) << " " << num(Y(y));
        pen_down = true;
      }
    }
    if (s.mark == Mark::line)
      svg += "<path class=\"series\" d=\"" + d.str() + "\" fill=\"none\" stroke=\"" + color +
             "\" stroke-width=\"2\" stroke-linejoin=\"round\"/>\n";
  }

  // Legend, top right inside the plot, for the series that have a name.
  double ly = top + 16;
  for (size_t k = 0; k < p.series.size(); ++k) {
    const Series& s = p.series[k];
    if (s.name.empty()) continue;
    const double lx = left + pw - 150;
    const char* color = kPalette[k % 10];
    if (s.mark == Mark::line)
      svg += line(lx, ly - 4, lx + 22, ly - 4, color, 2, "legend");
    else
      svg += "<circle class=\"legend\" cx=\"" + num(lx + 11) + "\" cy=\"" + num(ly - 4) + "\" r=\"3\" fill=\"" + color +
             "\"/>\n";
    svg += text(lx + 28, ly, s.name, "start");
    ly += 18;
  }
  svg += "</svg>\n";
  return svg;
}

void heatmap(const std::string& path, const Heatmap& h) {
  const Tensor& m = h.values;
  if (!m.defined() || m.dim() != 2 || m.numel() == 0)
    fail("svg::heatmap: expected a non-empty 2-D matrix, got shape ", m.defined() ? to_string(m.shape()) : "undefined");
  const int64_t rows = m.size(0), cols = m.size(1);
  if (!h.row_labels.empty() && int64_t(h.row_labels.size()) != rows)
    fail("svg::heatmap: ", h.row_labels.size(), " row labels for a matrix of shape ", to_string(m.shape()));
  if (!h.col_labels.empty() && int64_t(h.col_labels.size()) != cols)
    fail("svg::heatmap: ", h.col_labels.size(), " column labels for a matrix of shape ", to_string(m.shape()));

  // The color scale: given, or the range of the finite values.
  double lo = INFINITY, hi = -INFINITY;
  for (real v : m)
    if (std::isfinite(v)) lo = std::min(lo, double(v)), hi = std::max(hi, double(v));
  if (h.vmin) lo = *h.vmin;
  if (h.vmax) hi = *h.vmax;
  if (!(lo <= hi)) lo = 0, hi = 1;  // nothing finite
  auto scale = [&](double v) { return hi > lo ? (v - lo) / (hi - lo) : 0.5; };

  const int cell = h.cell > 0 ? h.cell : int(std::clamp(480 / double(std::max(rows, cols)), 3.0, 48.0));
  const bool values = h.show_values && cell >= 28;
  // Large matrices label only every k-th row and column, so the labels do not overlap.
  const int64_t every = std::max<int64_t>(1, int64_t(std::ceil(14.0 / cell)));
  auto row_label = [&](int64_t i) { return h.row_labels.empty() ? std::to_string(i) : h.row_labels[size_t(i)]; };
  auto col_label = [&](int64_t j) { return h.col_labels.empty() ? std::to_string(j) : h.col_labels[size_t(j)]; };
  size_t row_chars = 1, col_chars = 1;
  for (int64_t i = 0; i < rows; i += every) row_chars = std::max(row_chars, row_label(i).size());
  for (int64_t j = 0; j < cols; j += every) col_chars = std::max(col_chars, col_label(j).size());
  const bool rotate_cols = double(col_chars) * 7 > cell;

  const double left = 20 + 7.0 * double(row_chars) + (h.y_label.empty() ? 0 : 20);
  const double top = (h.title.empty() ? 10 : 36) + (rotate_cols ? 5.0 * double(col_chars) + 10 : 18);
  const double mw = double(cols * cell), mh = double(rows * cell);
  const int width = int(left + mw + 90), height = int(top + mh + (h.x_label.empty() ? 16 : 40));

  std::string svg = open_svg(width, height);
  if (!h.title.empty()) svg += text(width / 2.0, 22, h.title, "middle", 0, 15);
  for (int64_t j = 0; j < cols; j += every) {
    const double x = left + (double(j) + 0.5) * cell;
    svg += rotate_cols ? text(x, top - 6, col_label(j), "start", -45) : text(x, top - 6, col_label(j));
  }
  for (int64_t i = 0; i < rows; i += every)
    svg += text(left - 6, top + (double(i) + 0.5) * cell + 4, row_label(i), "end");
  if (!h.x_label.empty()) svg += text(left + mw / 2, height - 10.0, h.x_label);
  if (!h.y_label.empty()) svg += text(14, top + mh / 2, h.y_label, "middle", -90);

  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      const double v = m[i * cols + j];
      const Rgb c = viridis(scale(v));
      const double x = left + double(j * cell), y = top + double(i * cell);
      svg += "<rect class=\"cell\" x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + std::to_string(cell) +
             "\" height=\"" + std::to_string(cell) + "\" fill=\"" + (std::isfinite(v) ? hex(c) : "#bbbbbb") +
             "\"><title>" + escape(row_label(i) + ", " + col_label(j)) + ": " + short_number(v) + "</title></rect>\n";
      if (values) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f", v);
        const bool dark = 0.299 * c.r + 0.587 * c.g + 0.114 * c.b < 140;
        svg += text(x + cell / 2.0, y + cell / 2.0 + 4, buf, "middle", 0, std::min(12.0, cell * 0.34),
                    std::isfinite(v) && dark ? "white" : "#222");
      }
    }

  // Color bar: one rectangle filled with a vertical gradient, the top being the maximum.
  const double bx = left + mw + 16, bh = std::min(mh, 240.0);
  svg += "<defs><linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">";
  for (int k = 0; k <= 8; ++k)
    svg += "<stop offset=\"" + num(k / 8.0) + "\" stop-color=\"" + hex(viridis(k / 8.0)) + "\"/>";
  svg += "</linearGradient></defs>\n";
  svg += "<rect x=\"" + num(bx) + "\" y=\"" + num(top) + "\" width=\"14\" height=\"" + num(bh) +
         "\" fill=\"url(#scale)\"/>\n";
  svg += text(bx + 18, top + 10, short_number(hi), "start");
  svg += text(bx + 18, top + bh, short_number(lo), "start");
  svg += "</svg>\n";
  write_file_atomically(path, svg);
}

void bar_chart(const std::string& path, const BarChart& b) {
  if (b.labels.size() != b.values.size())
    fail("svg::bar_chart: ", b.labels.size(), " labels for ", b.values.size(), " values");
  double lo = 0, hi = 0;  // bars start at zero, so zero is always on the axis
  for (real v : b.values)
    if (std::isfinite(v)) lo = std::min(lo, double(v)), hi = std::max(hi, double(v));
  if (lo == hi) hi = 1;
  const Axis ay = make_axis(lo, hi, false);

  size_t label_chars = 1;
  for (const auto& s : b.labels) label_chars = std::max(label_chars, s.size());
  const double left = 70, right = 20, top = b.title.empty() ? 20 : 40;
  const double pw = b.width - left - right;
  const double slot = b.values.empty() ? pw : pw / double(b.values.size());
  const bool rotate = double(label_chars) * 7 > slot;
  const double bottom = rotate ? 20 + 5.0 * double(label_chars) : 30;
  const double ph = b.height - top - bottom;
  if (pw < 50 || ph < 50) fail("svg::bar_chart: figure ", b.width, "x", b.height, " is too small");
  auto Y = [&](double v) { return top + ph - (v - ay.lo) / (ay.hi - ay.lo) * ph; };

  std::string svg = open_svg(b.width, b.height);
  if (!b.title.empty()) svg += text(b.width / 2.0, 24, b.title, "middle", 0, 15);
  for (size_t i = 0; i < ay.ticks.size(); ++i) {
    svg += line(left, Y(ay.ticks[i]), left + pw, Y(ay.ticks[i]), "#e4e4e4");
    svg += text(left - 6, Y(ay.ticks[i]) + 4, ay.labels[i], "end");
  }
  if (!b.y_label.empty()) svg += text(16, top + ph / 2, b.y_label, "middle", -90);
  for (size_t i = 0; i < b.values.size(); ++i) {
    const double x = left + slot * double(i), v = b.values[i];
    if (std::isfinite(v)) {
      const double y0 = Y(0), y1 = Y(v);
      svg += "<rect class=\"bar\" x=\"" + num(x + slot * 0.15) + "\" y=\"" + num(std::min(y0, y1)) + "\" width=\"" +
             num(slot * 0.7) + "\" height=\"" + num(std::fabs(y1 - y0)) + "\" fill=\"" + kPalette[0] + "\"/>\n";
      if (slot >= 28) svg += text(x + slot / 2, std::min(y0, y1) - 4, short_number(v), "middle", 0, 10);
    }
    const double lx = x + slot / 2, ly = top + ph + 14;
    svg += rotate ? text(lx, ly, b.labels[i], "end", -45) : text(lx, ly, b.labels[i]);
  }
  svg += line(left, Y(0), left + pw, Y(0), "#444");
  svg += line(left, top, left, top + ph, "#444");
  svg += "</svg>\n";
  write_file_atomically(path, svg);
}

}  // namespace atn::svg
