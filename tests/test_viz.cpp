// SVG writers (element counts per data, escaping, non-finite values, errors, atomic writes) and the
// terminal heatmap (rows, labels, shades, colors, errors).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "viz/svg.h"
#include "viz/terminal_heatmap.h"

namespace atn {
namespace {

namespace fs = std::filesystem;

// A fresh folder per test, removed afterwards.
class Viz : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("atn_test_viz_" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

void expect_svg_document(const std::string& svg) {
  EXPECT_EQ(svg.rfind("<svg", 0), 0u) << svg.substr(0, 40);
  ASSERT_GE(svg.size(), 7u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_EQ(count(svg, "<svg"), 1u);
}

TEST_F(Viz, PlotHasOnePathPerLineSeriesAndOneCirclePerPoint) {
  const std::string file = path("sub/folder/plot.svg");  // folders are created
  svg::plot(file, {.title = "loss <train> & test",
                   .x_label = "epoch",
                   .y_label = "loss",
                   .series = {{.name = "a<b", .y = {3, 2, 1.5f, 1, 0.8f}},
                              {.name = "c&d", .y = {2, 1, 0.5f}},
                              {.name = "data", .x = {0, 1, 2, 3}, .y = {1, 2, 3, 4}, .mark = svg::Mark::points}}});
  const std::string svg = read(file);
  expect_svg_document(svg);
  EXPECT_EQ(count(svg, "<path class=\"series\""), 2u);
  EXPECT_EQ(count(svg, "<circle class=\"point\""), 4u);
  // Each line series starts its path once ("M") and continues with "L" for the other points.
  EXPECT_EQ(count(svg, " L"), 4u + 2u);
  // Labels are escaped; the raw characters never appear inside text.
  EXPECT_NE(svg.find("loss &lt;train&gt; &amp; test"), std::string::npos);
  EXPECT_NE(svg.find(">a&lt;b<"), std::string::npos);
  EXPECT_NE(svg.find(">c&amp;d<"), std::string::npos);
  EXPECT_EQ(svg.find("<train>"), std::string::npos);
  EXPECT_FALSE(fs::exists(file + ".tmp"));
}

TEST_F(Viz, PlotSkipsNonFiniteValuesAndNonPositiveOnLogAxis) {
  const std::string file = path("nan.svg");
  // Line: NaN at index 2 breaks the path into two pieces (two "M").
  svg::plot(file,
            {.series = {{.y = {1, 2, NAN, 4, 5}}, {.x = {0, 1, 2}, .y = {1, INFINITY, 3}, .mark = svg::Mark::points}}});
  std::string svg = read(file);
  EXPECT_EQ(count(svg, "<path class=\"series\""), 1u);
  EXPECT_EQ(count(svg, "M"), 2u);  // no other capital M in the document
  EXPECT_EQ(count(svg, "<circle class=\"point\""), 2u);
  EXPECT_EQ(svg.find("nan"), std::string::npos);

  // Log axis: 0 and a negative loss cannot be drawn; the other three points can.
  svg::plot(file, {.series = {{.y = {1, 0.1f, 0, -1, 0.01f}, .mark = svg::Mark::points}}, .log_y = true});
  svg = read(file);
  EXPECT_EQ(count(svg, "<circle class=\"point\""), 3u);
  EXPECT_NE(svg.find(">0.01<"), std::string::npos);  // decade ticks
  EXPECT_NE(svg.find(">1<"), std::string::npos);

  // No drawable data at all still gives a valid (empty) figure.
  svg::plot(file, {.series = {{.y = {NAN}}}});
  expect_svg_document(read(file));
}

// A log–log plot: y = x² at x = 1, 10, 100, 1000 is a straight line with points equally spaced in
// x (each decade the same width), and 0 or a negative x cannot be drawn.
TEST_F(Viz, LogLogPlotDrawsAPowerLawAsAStraightLine) {
  const std::string file = path("loglog.svg");
  svg::plot(file, {.series = {{.x = {0, 1, 10, 100, 1000, -5}, .y = {1, 1, 100, 1e4f, 1e6f, 1}}},
                   .log_y = true,
                   .log_x = true});
  const std::string svg = read(file);
  expect_svg_document(svg);
  for (const char* tick : {">1<", ">10<", ">100<", ">1000<"}) EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  const size_t d = svg.find("d=\"M");
  ASSERT_NE(d, std::string::npos);
  std::istringstream path_data(svg.substr(d + 3, svg.find('"', d + 3) - d - 3));  // from the "M"
  std::vector<double> xs, ys;
  for (std::string op; path_data >> op;) {
    double x = 0, y = 0;
    if (op != "M" && op != "L") x = std::stod(op.substr(1)), path_data >> y;
    else path_data >> x >> y;
    xs.push_back(x), ys.push_back(y);
  }
  ASSERT_EQ(xs.size(), 4u);  // x = 0 and x = −5 left out
  for (size_t i = 2; i < xs.size(); ++i) {
    EXPECT_NEAR(xs[i] - xs[i - 1], xs[1] - xs[0], 0.25);  // one decade, one width (0.1 px rounding)
    EXPECT_NEAR(ys[i] - ys[i - 1], ys[1] - ys[0], 0.25);  // slope 2 on both log axes: a line
  }
  EXPECT_LT(ys[1], ys[0]);  // y grows upwards (smaller SVG y)
}

TEST_F(Viz, PlotErrors) {
  EXPECT_THROW(svg::plot(path("bad.svg"), {.series = {{.x = {1, 2}, .y = {1, 2, 3}}}}), Error);
  try {
    svg::plot(path("bad.svg"), {.series = {{.name = "s", .x = {1, 2}, .y = {1, 2, 3}}}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("2 x values and 3 y values"), std::string::npos) << e.what();
  }
  EXPECT_THROW(svg::plot(path("small.svg"), {.width = 40, .height = 40}), Error);
  EXPECT_FALSE(fs::exists(path("bad.svg")));
}

TEST_F(Viz, UnwritablePathThrowsAndLeavesNothing) {
  // A regular file where a folder should be: fails even when running as root.
  fs::create_directories(dir_);
  std::ofstream(path("file")) << "x";
  EXPECT_THROW(svg::plot(path("file/plot.svg"), {}), Error);
  EXPECT_THROW(svg::write_file_atomically("", "x"), Error);
  // The target is a folder: the rename fails, and the temporary file is cleaned up.
  fs::create_directories(path("folder.svg"));
  EXPECT_THROW(svg::bar_chart(path("folder.svg"), {.labels = {"a"}, .values = {1}}), Error);
  EXPECT_FALSE(fs::exists(path("folder.svg.tmp")));
}

TEST_F(Viz, AtomicWriteReplacesTheWholeFile) {
  const std::string file = path("f.txt");
  svg::write_file_atomically(file, "a long first version\n");
  svg::write_file_atomically(file, "short\n");
  EXPECT_EQ(read(file), "short\n");
  EXPECT_FALSE(fs::exists(file + ".tmp"));
}

TEST_F(Viz, HeatmapHasOneCellPerEntryAndEscapedLabels) {
  const std::string file = path("heat.svg");
  Tensor m = Tensor::from({0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1.0f, 1.1f, 1.2f}, {3, 4});
  svg::heatmap(file,
               {.title = "A", .values = m, .row_labels = {"[bos]", "a<b", "c"}, .col_labels = {"w", "x", "y&z", "q"}});
  const std::string svg = read(file);
  expect_svg_document(svg);
  EXPECT_EQ(count(svg, "<rect class=\"cell\""), 12u);
  EXPECT_EQ(count(svg, "<rect"), 12u + 2u);  // + background + color bar
  EXPECT_NE(svg.find(">a&lt;b<"), std::string::npos);
  EXPECT_NE(svg.find(">y&amp;z<"), std::string::npos);
  // Lowest and highest cells take the ends of the colormap (viridis(0), viridis(1)).
  EXPECT_NE(svg.find("fill=\"#440154\""), std::string::npos);
  EXPECT_NE(svg.find("fill=\"#fde725\""), std::string::npos);
  EXPECT_NE(svg.find(">1.20<"), std::string::npos);  // values written in the cells
}

TEST_F(Viz, HeatmapNonFiniteCellsAreGreyAndLargeMatricesWork) {
  const std::string file = path("mask.svg");
  // A causal mask: −inf above the diagonal. Three cells grey, the finite ones span the colors.
  Tensor m = Tensor::from({1, -INFINITY, -INFINITY, 2, 3, -INFINITY, 4, 5, NAN}, {3, 3});
  svg::heatmap(file, {.values = m});
  std::string svg = read(file);
  EXPECT_EQ(count(svg, "<rect class=\"cell\""), 9u);
  EXPECT_EQ(count(svg, "fill=\"#bbbbbb\""), 4u);

  svg::heatmap(file, {.values = Tensor::zeros({40, 100})});  // constant, many cells: no numbers, no error
  svg = read(file);
  EXPECT_EQ(count(svg, "<rect class=\"cell\""), 4000u);
  EXPECT_EQ(count(svg, ">0.00<"), 0u);
}

TEST_F(Viz, HeatmapErrors) {
  EXPECT_THROW(svg::heatmap(path("h.svg"), {.values = Tensor::zeros({4})}), Error);
  EXPECT_THROW(svg::heatmap(path("h.svg"), {.values = Tensor::zeros({0, 3})}), Error);
  EXPECT_THROW(svg::heatmap(path("h.svg"), {}), Error);
  try {
    svg::heatmap(path("h.svg"), {.values = Tensor::zeros({2, 3}), .row_labels = {"a", "b", "c"}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("3 row labels for a matrix of shape [2, 3]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(svg::heatmap(path("h.svg"), {.values = Tensor::zeros({2, 3}), .col_labels = {"a"}}), Error);
}

TEST_F(Viz, BarChartHasOneBarPerFiniteValue) {
  const std::string file = path("bars.svg");
  svg::bar_chart(
      file, {.title = "P(w | [bos])", .labels = {"el", "un", "<eos>", "gato"}, .values = {0.5f, 0.3f, NAN, -0.2f}});
  const std::string svg = read(file);
  expect_svg_document(svg);
  EXPECT_EQ(count(svg, "<rect class=\"bar\""), 3u);  // the NaN bar is left out, its label stays
  EXPECT_NE(svg.find(">&lt;eos&gt;<"), std::string::npos);
  EXPECT_THROW(svg::bar_chart(file, {.labels = {"a", "b"}, .values = {1}}), Error);
}

TEST_F(Viz, OnePointPerPixelDropsOnlyPointsOnTheSamePixel) {
  // Three points on one pixel (they differ by far less than a pixel on a 0..10 axis), one far away.
  svg::Series s{.x = {1, 1.000001f, 1.000002f, 9}, .y = {5, 5, 5.000001f, 1}, .mark = svg::Mark::points};
  svg::plot(path("all.svg"), {.series = {s}});
  svg::plot(path("thin.svg"), {.series = {s}, .one_point_per_pixel = true});
  EXPECT_EQ(count(read(path("all.svg")), "class=\"point\""), 4u);
  EXPECT_EQ(count(read(path("thin.svg")), "class=\"point\""), 2u);
  // Per series: the same pixel in another series (another colour) is drawn again.
  svg::plot(path("two.svg"), {.series = {s, s}, .one_point_per_pixel = true});
  EXPECT_EQ(count(read(path("two.svg")), "class=\"point\""), 4u);
}

TEST(VizHelpers, ViridisEndsAndEscape) {
  const svg::Rgb lo = svg::viridis(0), hi = svg::viridis(1), nan = svg::viridis(NAN), mid = svg::viridis(0.5);
  auto rgb = [](svg::Rgb c) { return std::vector<int>{c.r, c.g, c.b}; };
  EXPECT_EQ(rgb(lo), (std::vector<int>{68, 1, 84}));
  EXPECT_EQ(rgb(hi), (std::vector<int>{253, 231, 37}));
  EXPECT_EQ(rgb(nan), rgb(lo));
  EXPECT_EQ(rgb(mid), (std::vector<int>{33, 145, 140}));  // the middle sample itself
  EXPECT_EQ(svg::escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
}

// ---- terminal heatmap ----

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream is(text);
  for (std::string line; std::getline(is, line);) out.push_back(line);
  return out;
}

TEST(TerminalHeatmap, RowsLabelsAndShades) {
  // [[0, 1, 2], [3, 4, 5]]: 0 is the lowest shade (blank), 5 the highest (█).
  const std::string text = terminal_heatmap(Tensor::from({0, 1, 2, 3, 4, 5}, {2, 3}),
                                            {.row_labels = {"uno", "dos"}, .col_labels = {"a", "b", "c"}});
  const auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), 1u + 2u + 1u);  // header, one line per row, legend
  EXPECT_EQ(lines[1].rfind("uno ", 0), 0u);
  EXPECT_EQ(lines[2].rfind("dos ", 0), 0u);
  EXPECT_NE(lines[0].find('a'), std::string::npos);
  EXPECT_NE(lines[0].find('c'), std::string::npos);
  EXPECT_NE(lines[1].find("   0.00"), std::string::npos);  // blank shade then the value
  EXPECT_NE(lines[2].find("██ 5.00"), std::string::npos);
  EXPECT_NE(lines[3].find("0.00 [ ░▒▓█] 5.00"), std::string::npos);
  EXPECT_EQ(text.find('\033'), std::string::npos);  // no escape codes unless asked
}

TEST(TerminalHeatmap, ColorsValuesOffAndDefaultLabels) {
  const Tensor m = Tensor::from({0, 1, 2, 3}, {2, 2});
  const std::string colored = terminal_heatmap(m, {.color = true});
  EXPECT_EQ(lines_of(colored).size(), 4u);
  EXPECT_NE(colored.find("\033[48;5;"), std::string::npos);
  EXPECT_NE(colored.find("\033[0m"), std::string::npos);

  const auto plain = lines_of(terminal_heatmap(m, {.values = false}));
  ASSERT_EQ(plain.size(), 4u);
  EXPECT_EQ(plain[0], "   0  1");  // default column labels over cells two wide
  EXPECT_EQ(plain[1], "0    ░░");  // level = floor(5·t): 0 → t 0 → level 0 (blank); 1 → t 1/3 → level 1
  EXPECT_EQ(plain[2], "1 ▓▓ ██");  // 2 → t 2/3 → level 3; 3 → t 1 → level 4
}

TEST(TerminalHeatmap, NonFiniteValuesAndUtf8Labels) {
  const Tensor m = Tensor::from({1, -INFINITY, NAN, 2}, {2, 2});
  const auto lines = lines_of(terminal_heatmap(m, {.row_labels = {"año", "b"}, .decimals = 1}));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[1].find("-inf"), std::string::npos);
  EXPECT_NE(lines[2].find("??  nan"), std::string::npos);
  EXPECT_NE(lines[3].find("1.0 [ ░▒▓█] 2.0"), std::string::npos);  // the scale ignores ±inf and NaN
  // "año" is three columns on screen, so both rows start their cells at the same column.
  EXPECT_EQ(lines[1].find(' '), std::string("año").size());
  EXPECT_EQ(lines[2].rfind("b   ", 0), 0u);
}

TEST(TerminalHeatmap, FixedScaleWithVminVmax) {
  // [0.2, 0.4] on a fixed scale [0, 1]: t = 0.2 → level 1 (░), t = 0.4 → level 2 (▒). Without
  // the fixed scale they would be the lowest and highest shades.
  const Tensor m = Tensor::from({0.2f, 0.4f}, {1, 2});
  const auto fixed_scale = lines_of(terminal_heatmap(m, {.vmin = 0, .vmax = 1}));
  ASSERT_EQ(fixed_scale.size(), 3u);
  EXPECT_NE(fixed_scale[1].find("░░ 0.20"), std::string::npos) << fixed_scale[1];
  EXPECT_NE(fixed_scale[1].find("▒▒ 0.40"), std::string::npos) << fixed_scale[1];
  EXPECT_NE(fixed_scale[2].find("0.00 [ ░▒▓█] 1.00"), std::string::npos) << fixed_scale[2];
  const auto data_scale = lines_of(terminal_heatmap(m));
  EXPECT_NE(data_scale[1].find("   0.20"), std::string::npos);
  EXPECT_NE(data_scale[1].find("██ 0.40"), std::string::npos);

  // Values outside the scale take the end shades; one bound alone keeps the data's other end.
  const auto clamped = lines_of(terminal_heatmap(Tensor::from({-5, 0.5f, 7}, {1, 3}), {.vmin = 0, .vmax = 1}));
  EXPECT_NE(clamped[1].find("   -5.00"), std::string::npos) << clamped[1];
  EXPECT_NE(clamped[1].find("▒▒  0.50"), std::string::npos) << clamped[1];
  EXPECT_NE(clamped[1].find("██  7.00"), std::string::npos) << clamped[1];
  EXPECT_NE(lines_of(terminal_heatmap(Tensor::from({1, 3}, {1, 2}), {.vmin = -1}))[2].find("-1.00 [ ░▒▓█] 3.00"),
            std::string::npos);
  EXPECT_NE(lines_of(terminal_heatmap(Tensor::from({1, 3}, {1, 2}), {.vmax = 5}))[2].find("1.00 [ ░▒▓█] 5.00"),
            std::string::npos);
  // Only a vmin, above all the data: every cell is below the scale.
  EXPECT_EQ(lines_of(terminal_heatmap(Tensor::from({1, 3}, {1, 2}), {.values = false, .vmin = 4}))[1], "0      ");
  // Colors follow the same scale: 0.2 and 0.4 get different backgrounds, and neither is the top one.
  const std::string colored = terminal_heatmap(m, {.values = false, .color = true, .vmin = 0, .vmax = 1}),
                    colored_data = terminal_heatmap(m, {.values = false, .color = true});
  EXPECT_NE(colored, colored_data);
}

TEST(TerminalHeatmap, Errors) {
  EXPECT_THROW(terminal_heatmap(Tensor::zeros({2, 2}), {.vmin = 1, .vmax = 0}), Error);
  EXPECT_THROW(terminal_heatmap(Tensor::zeros({2, 2}), {.vmin = NAN}), Error);
  EXPECT_THROW(terminal_heatmap(Tensor::zeros({2, 2}), {.vmax = INFINITY}), Error);
  EXPECT_NO_THROW(terminal_heatmap(Tensor::zeros({2, 2}), {.vmin = 0, .vmax = 0}));
  EXPECT_THROW(terminal_heatmap(Tensor::zeros({3})), Error);
  EXPECT_THROW(terminal_heatmap(Tensor::zeros({2, 0})), Error);
  EXPECT_THROW(terminal_heatmap(Tensor::zeros({2, 2}), {.row_labels = {"a"}}), Error);
  try {
    terminal_heatmap(Tensor::zeros({2, 2}), {.col_labels = {"a", "b", "c"}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("3 column labels for a matrix of shape [2, 2]"), std::string::npos);
  }
}

}  // namespace
}  // namespace atn
