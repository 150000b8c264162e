// A grid of small plots, "small multiples" (Tufte, "The Visual Display of Quantitative
// Information", 1983): the same kind of plot once per case (per layer and head, per seed, ...),
// all drawn at one size side by side, row by row, so that the eye compares their shapes at a
// glance. Each panel is a whole svg::Plot (its title names the case); give the panels one fixed
// y range (Plot::y_min, y_max) and they compare in value too.
//
// The file is one SVG: a title on top, then each panel as a <g class="panel"> holding the plot's
// own <svg> (nested, so a panel cannot draw over its neighbours), placed by a translate.
#pragma once
#include "viz/svg.h"

namespace atn::svg {

struct PlotGrid {
  std::string title{};
  int64_t columns = 1;                        // panels per row; the last row may be shorter
  std::vector<Plot> panels{};                 // row by row
  int panel_width = 240, panel_height = 180;  // every panel's size (the panels' own width and height are ignored)
};

// Throws atn::Error for no panels, columns < 1, panels too small for a plot, or a panel whose
// plot cannot be drawn (naming the panel by its number, from 1, and its title).
void plot_grid(const std::string& path, const PlotGrid& grid);
std::string plot_grid_text(const PlotGrid& grid);  // the SVG document plot_grid() writes

}  // namespace atn::svg
