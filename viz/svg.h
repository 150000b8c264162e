// SVG figures written with the standard library alone: line and scatter plots, heatmaps, bar charts.
//
// Each writer creates the file's folder if needed and writes atomically (a temporary file, then a
// rename), so a figure is either complete or absent. It throws atn::Error when the path cannot be
// written or the data do not fit together (x and y of different lengths, labels that do not
// match the matrix, ...).
//
// Non-finite values are part of teaching (a loss that diverges, a mask of -inf), so they never
// throw: plots skip NaN/inf points (a line breaks there) and, on a log axis (x or y), values <= 0; bar charts
// leave the bar out; heatmaps draw the cell grey and keep it out of the color scale.
//
// Every field has a default, so a figure is written with designated initializers naming only what
// it needs: svg::plot(path, {.title = "loss", .series = {{.name = "train", .y = losses}}, .log_y = true}).
//
// Data elements carry a class, so a reader (or a test) can find them: every line series is one
// <path class="series">, every point one <circle class="point">, every heatmap cell one
// <rect class="cell">, every bar one <rect class="bar">.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace atn::svg {

enum class Mark { line, points };

struct Series {
  std::string name{};     // shown in the legend when not empty
  std::vector<real> x{};  // empty: 0, 1, 2, ... (e.g. the epoch)
  std::vector<real> y{};
  Mark mark = Mark::line;
};

// A line plot, a scatter plot, or both at once (the mark is chosen per series).
struct Plot {
  std::string title{}, x_label{}, y_label{};
  std::vector<Series> series{};
  bool log_y = false;  // a logarithmic y axis, for loss curves
  bool log_x = false;  // a logarithmic x axis (with log_y: a log–log plot, where a power law is a line)
  // A fixed y range instead of the data's (both or either; > 0 on a log axis), so that several
  // plots share one scale (viz/plot_grid.h). The axis is widened to round ticks; lines beyond
  // it run past the axes.
  std::optional<real> y_min{}, y_max{};
  int width = 640, height = 400;
  // Draw at most one point per pixel cell per series (points whose centres round to the same
  // whole pixel look the same): keeps dense scatter plots (bifurcation diagrams with millions of
  // points) small. Off by default, so every point of an ordinary plot is one circle.
  bool one_point_per_pixel = false;
};

struct Heatmap {
  std::string title{}, x_label{}, y_label{};
  Tensor values{};                                      // 2-D [rows, cols]
  std::vector<std::string> row_labels{}, col_labels{};  // empty: 0, 1, 2, ...
  std::optional<real> vmin{}, vmax{};                   // the color scale; default: the data's range
  bool show_values = true;                              // write the number in each cell (small matrices only)
  int cell = 0;                                         // cell size in pixels; 0: chosen from the matrix size
};

struct BarChart {
  std::string title{}, y_label{};
  std::vector<std::string> labels{};
  std::vector<real> values{};
  int width = 640, height = 400;
};

void plot(const std::string& path, const Plot& plot);
std::string plot_text(const Plot& plot);  // the SVG document plot() writes
void heatmap(const std::string& path, const Heatmap& heatmap);
void bar_chart(const std::string& path, const BarChart& chart);

// Helpers shared with the terminal heatmap.
struct Rgb {
  int r, g, b;
};
Rgb viridis(double t);                        // t in [0, 1]: dark purple → blue → green → yellow
std::string escape(const std::string& text);  // & < > " ' as XML entities
// Creates the folder, then writes `text` to `path` atomically (tensor/atomic_file.h).
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace atn::svg
