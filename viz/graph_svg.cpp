#include "viz/graph_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "tensor/error.h"
#include "viz/svg.h"

namespace atn::svg {

namespace {

// The same ten colors as the line plots (the "Tableau 10" palette).
const char* const kGroupColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

struct Point {
  double x, y;
};

Point toward(Point from, Point to, double distance) {
  const double dx = to.x - from.x, dy = to.y - from.y, len = std::hypot(dx, dy);
  if (len == 0) return from;
  return {from.x + dx / len * distance, from.y + dy / len * distance};
}

void check(const Graph& g) {
  const Tensor& w = g.weights;
  if (!w.defined() || w.dim() != 2 || w.size(0) != w.size(1) || w.size(0) == 0)
    fail("svg::graph: weights must be a non-empty square matrix [N, N], got ",
         w.defined() ? to_string(w.shape()) : std::string("an undefined tensor"));
  const size_t n = size_t(w.size(0));
  if (!g.labels.empty() && g.labels.size() != n) fail("svg::graph: ", g.labels.size(), " labels for ", n, " nodes");
  if (!g.groups.empty() && g.groups.size() != n) fail("svg::graph: ", g.groups.size(), " groups for ", n, " nodes");
  for (int group : g.groups)
    if (group < 0) fail("svg::graph: group ", group, " is negative");
  if (!std::isfinite(g.threshold)) fail("svg::graph: threshold must be finite");
  if (g.vmax && !(std::isfinite(*g.vmax) && *g.vmax > 0)) fail("svg::graph: vmax must be finite and > 0");
  if (g.size < 100) fail("svg::graph: size ", g.size, " is below 100 pixels");
}

}  // namespace

void graph(const std::string& path, const Graph& g) {
  check(g);
  const int64_t n = g.weights.size(0);
  const Tensor& w = g.weights;
  // weight(i, j) of the edge to draw, or 0 for none. Undirected: the pair drawn once, i < j.
  auto weight = [&](int64_t i, int64_t j) -> double {
    double v = w.at({i, j});
    if (!g.directed && i != j) v = std::max(v, double(w.at({j, i})));
    return std::isfinite(v) && v > g.threshold ? v : 0;
  };
  double top = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) top = std::max(top, weight(i, j));
  const double vmax = g.vmax ? double(*g.vmax) : top > 0 ? top : 1;
  auto strength = [&](double v) { return std::min(1.0, v / vmax); };

  const double title_h = g.title.empty() ? 0 : 30, legend_h = 40;
  const double size = g.size, cx = size / 2, cy = title_h + size / 2;
  const double ring = size / 2 - 110;  // room for the loops and labels outside the circle
  const double node_r = std::clamp(ring * 3.2 / double(std::max<int64_t>(n, 6)), 3.0, 18.0);
  std::vector<Point> at(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    // Node 0 at the top, then clockwise: a sentence reads around the circle like a clock.
    const double angle = -M_PI / 2 + 2 * M_PI * double(i) / double(n);
    at[static_cast<size_t>(i)] = {cx + ring * std::cos(angle), cy + ring * std::sin(angle)};
  }

  std::ostringstream os;
  const int width = g.size, height = int(size + title_h + legend_h);
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height << "\" viewBox=\"0 0 "
     << width << " " << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
     << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
     // Arrow heads of a fixed size (userSpaceOnUse): by default they would scale with the stroke
     // width and vanish on the thinnest edges.
     << "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerUnits=\"userSpaceOnUse\" "
        "markerWidth=\"10\" "
        "markerHeight=\"10\" orient=\"auto\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#333\"/></marker></defs>\n";
  if (!g.title.empty())
    os << "<text x=\"" << num(cx) << "\" y=\"20\" text-anchor=\"middle\" font-size=\"15\">" << escape(g.title)
       << "</text>\n";

  // Edges first, so the nodes are drawn over their ends.
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      if (i == j || (!g.directed && j < i)) continue;
      const double v = weight(i, j);
      if (v <= 0) continue;
      const Point a = at[static_cast<size_t>(i)], b = at[static_cast<size_t>(j)];
      // Bend to the right of the direction i → j, so that j → i bends the other way.
      const Point mid{(a.x + b.x) / 2, (a.y + b.y) / 2};
      const double len = std::hypot(b.x - a.x, b.y - a.y), bend = g.directed ? 0.12 * len : 0;
      const Point control{mid.x - (b.y - a.y) / len * bend, mid.y + (b.x - a.x) / len * bend};
      // A quadratic curve leaves its ends toward the control point: stop at the nodes' rims.
      const Point start = toward(a, control, node_r), end = toward(b, control, node_r + (g.directed ? 2 : 0));
      const double s = strength(v);
      os << "<path class=\"edge\" data-from=\"" << i << "\" data-to=\"" << j << "\" data-weight=\"" << short_number(v)
         << "\" d=\"M " << num(start.x) << " " << num(start.y) << " Q " << num(control.x) << " " << num(control.y)
         << " " << num(end.x) << " " << num(end.y) << "\" fill=\"none\" stroke=\"#333\" stroke-width=\""
         << num(0.5 + 7 * s) << "\" stroke-opacity=\"" << short_number(0.15 + 0.85 * s) << "\""
         << (g.directed ? " marker-end=\"url(#arrow)\"" : "") << "/>\n";
    }
  // Self loops: a ring just outside the node, on the side away from the center.
  for (int64_t i = 0; i < n; ++i) {
    const double v = weight(i, i);
    if (v <= 0) continue;
    const Point p =
        toward(at[static_cast<size_t>(i)],
               {2 * at[static_cast<size_t>(i)].x - cx, 2 * at[static_cast<size_t>(i)].y - cy}, node_r * 1.6);
    const double s = strength(v);
    os << "<circle class=\"loop\" data-node=\"" << i << "\" data-weight=\"" << short_number(v) << "\" cx=\"" << num(p.x)
       << "\" cy=\"" << num(p.y) << "\" r=\"" << num(node_r * 0.8) << "\" fill=\"none\" stroke=\"#333\" "
       << "stroke-width=\"" << num(0.5 + 4 * s) << "\" stroke-opacity=\"" << short_number(0.15 + 0.85 * s) << "\"/>\n";
  }
  for (int64_t i = 0; i < n; ++i) {
    const Point p = at[static_cast<size_t>(i)];
    const char* color = g.groups.empty() ? "#9ecae1" : kGroupColors[size_t(g.groups[size_t(i)]) % 10];
    os << "<circle class=\"node\" cx=\"" << num(p.x) << "\" cy=\"" << num(p.y) << "\" r=\"" << num(node_r)
       << "\" fill=\"" << color << "\" stroke=\"#222\"/>\n";
    // The label sits outside the circle, past the self loop, anchored on the side it points to.
    const Point l = toward(at[static_cast<size_t>(i)], {2 * p.x - cx, 2 * p.y - cy}, node_r * 2.6 + 4);
    const double dx = p.x - cx;
    const char* anchor = std::fabs(dx) < ring * 0.2 ? "middle" : dx > 0 ? "start" : "end";
    const std::string label = g.labels.empty() ? std::to_string(i) : g.labels[size_t(i)];
    os << "<text class=\"label\" x=\"" << num(l.x) << "\" y=\"" << num(l.y + 4) << "\" text-anchor=\"" << anchor
       << "\">" << escape(label) << "</text>\n";
  }
  // Legend: three sample widths and what they mean.
  const double ly = size + title_h + 22;
  const std::string caption = g.weight_label.empty() ? "weight" : g.weight_label;
  os << "<text x=\"20\" y=\"" << num(ly + 4) << "\" text-anchor=\"start\">" << escape(caption) << ":</text>\n";
  double lx = 30 + 7.0 * double(caption.size());
  for (double f : {0.25, 0.5, 1.0}) {
    os << "<line x1=\"" << num(lx) << "\" y1=\"" << num(ly) << "\" x2=\"" << num(lx + 40) << "\" y2=\"" << num(ly)
       << "\" stroke=\"#333\" stroke-width=\"" << num(0.5 + 7 * f) << "\" stroke-opacity=\""
       << short_number(0.15 + 0.85 * f) << "\"/>\n"
       << "<text x=\"" << num(lx + 46) << "\" y=\"" << num(ly + 4) << "\" text-anchor=\"start\">"
       << short_number(f * vmax) << "</text>\n";
    lx += 100;
  }
  os << "</svg>\n";
  write_file_atomically(path, os.str());
}

}  // namespace atn::svg
