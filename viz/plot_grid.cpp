#include "viz/plot_grid.h"

#include <algorithm>

namespace atn::svg {

void plot_grid(const std::string& path, const PlotGrid& grid) { write_file_atomically(path, plot_grid_text(grid)); }

std::string plot_grid_text(const PlotGrid& g) {
  if (g.panels.empty()) fail("svg::plot_grid: no panels");
  if (g.columns < 1) fail("svg::plot_grid: columns must be at least 1, got ", g.columns);
  if (g.panel_width < 140 || g.panel_height < 140)
    fail("svg::plot_grid: panels of ", g.panel_width, "x", g.panel_height, " are too small (140x140 at least)");
  const int64_t n = int64_t(g.panels.size());
  const int64_t columns = std::min(g.columns, n), rows = (n + columns - 1) / columns;
  const int64_t top = g.title.empty() ? 0 : 36;
  const int64_t width = columns * g.panel_width, height = top + rows * g.panel_height;

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
                    std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " +
                    std::to_string(height) + "\" font-family=\"sans-serif\" font-size=\"12\">\n" +
                    "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!g.title.empty())
    svg += "<text x=\"" + std::to_string(width / 2) + "\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">" +
           escape(g.title) + "</text>\n";
  for (int64_t k = 0; k < n; ++k) {
    Plot panel = g.panels[size_t(k)];
    panel.width = g.panel_width;
    panel.height = g.panel_height;
    std::string inner;
    try {
      inner = plot_text(panel);
    } catch (const Error& e) {
      fail("svg::plot_grid: panel ", k + 1, " ('", panel.title, "'): ", e.what());
    }
    const int64_t x = (k % columns) * g.panel_width, y = top + (k / columns) * g.panel_height;
    svg += "<g class=\"panel\" transform=\"translate(" + std::to_string(x) + " " + std::to_string(y) + ")\">\n" +
           inner + "</g>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace atn::svg
