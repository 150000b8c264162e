// svg::plot_grid (viz/plot_grid.h): one panel per plot, placed row by row at one size, each
// panel's own title and data inside it, a well-formed file; Plot's fixed y range (viz/svg.h); and
// the errors, naming the panel.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "tests/xml_well_formed.h"
#include "viz/plot_grid.h"

namespace atn {
namespace {

namespace fs = std::filesystem;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

svg::Plot panel(const std::string& title, int64_t points) {
  svg::Series s;
  for (int64_t i = 0; i < points; ++i) s.y.push_back(real(i * i));
  return {.title = title, .x_label = "x", .y_label = "y", .series = {s}};
}

// The translate of each <g class="panel">, in file order.
std::vector<std::pair<int, int>> panel_offsets(const std::string& svg) {
  std::vector<std::pair<int, int>> out;
  const std::regex g("<g class=\"panel\" transform=\"translate\\((\\d+) (\\d+)\\)\">");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), g); it != std::sregex_iterator(); ++it)
    out.push_back({std::stoi((*it)[1]), std::stoi((*it)[2])});
  return out;
}

TEST(PlotGrid, OnePanelPerPlotRowByRow) {
  svg::PlotGrid grid{.title = "masks & spans", .columns = 3, .panel_width = 200, .panel_height = 150};
  for (int k = 1; k <= 5; ++k) grid.panels.push_back(panel("case " + std::to_string(k), 4));
  const std::string svg = svg::plot_grid_text(grid);
  EXPECT_EQ(testing_util::xml_problem(svg), "");
  EXPECT_EQ(count(svg, "<g class=\"panel\""), 5u);
  EXPECT_EQ(count(svg, "<svg"), 6u);  // the grid and one nested plot per panel
  EXPECT_EQ(count(svg, "<path class=\"series\""), 5u);
  for (int k = 1; k <= 5; ++k) EXPECT_EQ(count(svg, ">case " + std::to_string(k) + "<"), 1u) << k;
  EXPECT_NE(svg.find(">masks &amp; spans<"), std::string::npos);
  // 3 columns × 2 rows of 200 × 150 under a 36-pixel title; the last row holds the 2 left over.
  EXPECT_NE(svg.find("width=\"600\" height=\"336\""), std::string::npos);
  const std::vector<std::pair<int, int>> expected = {{0, 36}, {200, 36}, {400, 36}, {0, 186}, {200, 186}};
  EXPECT_EQ(panel_offsets(svg), expected);
  // Every panel is drawn at the grid's size, whatever its own.
  EXPECT_EQ(count(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"150\""), 5u);
  // The titles appear in the order of the panels.
  EXPECT_LT(svg.find(">case 3<"), svg.find(">case 4<"));
}

TEST(PlotGrid, FewerPanelsThanColumnsMakeOneRowAndTheFileIsWritten) {
  const fs::path dir = fs::temp_directory_path() / "atn_test_plot_grid";
  fs::remove_all(dir);
  const std::string file = (dir / "sub" / "grid.svg").string();
  svg::plot_grid(file, {.columns = 4, .panels = {panel("a", 3), panel("b", 3)}});
  const std::string svg = testing_util::read_text_file(file);
  EXPECT_EQ(svg, svg::plot_grid_text({.columns = 4, .panels = {panel("a", 3), panel("b", 3)}}));
  EXPECT_NE(svg.find("width=\"480\" height=\"180\""), std::string::npos);  // 2 × 240 wide, no title
  EXPECT_EQ(testing_util::xml_problem(svg), "");
  fs::remove_all(dir);
}

TEST(PlotGrid, FixedYRangeGivesEveryPanelTheSameTicks) {
  // Data 0..9 and 0..1000: with their own ranges the top tick labels differ; with y_max = 1000
  // both panels end at the same label.
  svg::Plot small = panel("small", 4), large = panel("large", 4);
  large.series[0].y = {0, 10, 100, 1000};
  const std::string own = svg::plot_text(small);
  EXPECT_EQ(own.find(">1000<"), std::string::npos);
  small.y_min = 0, small.y_max = 1000;
  const std::string fixed = svg::plot_text(small);
  EXPECT_NE(fixed.find(">1000<"), std::string::npos);
  EXPECT_NE(svg::plot_text(large).find(">1000<"), std::string::npos);
  // Only a lower bound: the axis still reaches the data's top.
  svg::Plot lower = panel("lower", 4);  // 0, 1, 4, 9
  lower.y_min = -4;
  const std::string low = svg::plot_text(lower);
  EXPECT_NE(low.find(">-4<"), std::string::npos);
  EXPECT_NE(low.find(">10<"), std::string::npos);
}

TEST(PlotGrid, ErrorsNameWhatIsWrong) {
  auto message = [](const svg::PlotGrid& g) {
    try {
      svg::plot_grid_text(g);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({}), "svg::plot_grid: no panels");
  EXPECT_EQ(message({.columns = 0, .panels = {panel("a", 2)}}), "svg::plot_grid: columns must be at least 1, got 0");
  EXPECT_NE(message({.panels = {panel("a", 2)}, .panel_width = 100}).find("too small"), std::string::npos);
  svg::Plot bad = panel("broken", 3);
  bad.series[0].x = {1, 2};  // 2 x values for 3 y values
  const std::string m = message({.columns = 2, .panels = {panel("fine", 2), bad}});
  EXPECT_NE(m.find("svg::plot_grid: panel 2 ('broken'): svg::plot:"), std::string::npos) << m;
  svg::Plot log_range = panel("log", 3);
  log_range.log_y = true, log_range.y_min = 0;
  EXPECT_NE(message({.panels = {log_range}}).find("y_min = 0 must be finite and > 0 on a log axis"), std::string::npos);
  svg::Plot reversed = panel("reversed", 3);
  reversed.y_min = 2, reversed.y_max = 1;
  EXPECT_NE(message({.panels = {reversed}}).find("y_min = 2 must be below y_max = 1"), std::string::npos);
  EXPECT_THROW(svg::plot_grid("", {.panels = {panel("a", 2)}}), Error);
}

}  // namespace
}  // namespace atn
