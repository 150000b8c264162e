// The weighted-graph SVG (viz/graph_svg.h): one element per edge, loop and node, widths that
// grow with the weight, labels escaped, well-formed XML; errors on bad input. Also checks the
// small XML checker the lesson tests use (tests/xml_well_formed.h) on good and bad documents.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <regex>

#include "tests/xml_well_formed.h"
#include "viz/graph_svg.h"

namespace atn {
namespace {

namespace fs = std::filesystem;
using testing_util::read_text_file;
using testing_util::xml_problem;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

class GraphSvg : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("atn_test_graph_svg_" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

// The stroke width of the edge i → j in the file (−1 if absent).
double edge_width(const std::string& svg, int i, int j) {
  const std::regex re("data-from=\"" + std::to_string(i) + "\" data-to=\"" + std::to_string(j) +
                      "\"[^>]*stroke-width=\"([0-9.]+)\"");
  std::smatch m;
  return std::regex_search(svg, m, re) ? std::stod(m[1]) : -1;
}

TEST_F(GraphSvg, DirectedEdgesLoopsNodesAndLabels) {
  // Three nodes; the zero and the −inf weight (a masked pair) draw nothing.
  const Tensor w = Tensor::from({0.5f, 0.3f, 0.2f,  //
                                 0.0f, 0.1f, 0.9f,  //
                                 0.6f, -INFINITY, 0.4f},
                                {3, 3});
  const std::string file = path("sub/g.svg");
  svg::graph(file, {.title = "atención <A>", .labels = {"el", "gato&", "negro"}, .weights = w, .weight_label = "peso"});
  const std::string svg = read_text_file(file);
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_EQ(count(svg, "<path class=\"edge\""), 4u);    // 0→1, 0→2, 1→2, 2→0
  EXPECT_EQ(count(svg, "<circle class=\"loop\""), 3u);  // 0.5, 0.1, 0.4 on the diagonal
  EXPECT_EQ(count(svg, "<circle class=\"node\""), 3u);
  EXPECT_EQ(count(svg, "<text class=\"label\""), 3u);
  EXPECT_EQ(count(svg, "marker-end"), 4u);
  EXPECT_LT(edge_width(svg, 1, 0), 0);  // weight 0: absent
  EXPECT_LT(edge_width(svg, 2, 1), 0);  // −inf: absent
  // Width grows with the weight; the largest drawn weight (0.9) takes the full width.
  EXPECT_EQ(edge_width(svg, 1, 2), 7.5);
  EXPECT_GT(edge_width(svg, 1, 2), edge_width(svg, 2, 0));
  EXPECT_GT(edge_width(svg, 2, 0), edge_width(svg, 0, 1));
  EXPECT_GT(edge_width(svg, 0, 1), edge_width(svg, 0, 2));
  EXPECT_NE(svg.find(">gato&amp;<"), std::string::npos);
  EXPECT_NE(svg.find("atención &lt;A&gt;"), std::string::npos);
  EXPECT_NE(svg.find(">peso:<"), std::string::npos);
  EXPECT_FALSE(fs::exists(file + ".tmp"));
}

TEST_F(GraphSvg, UndirectedThresholdGroupsAndVmax) {
  const Tensor w = Tensor::from({0, 1, 0.05f, 0,  //
                                 2, 0, 0, 0,      //
                                 0, 0, 0, 3,      //
                                 0, 0, 0, 0},
                                {4, 4});
  const std::string file = path("u.svg");
  svg::graph(file, {.weights = w, .directed = false, .groups = {0, 0, 1, 1}, .threshold = 0.1f, .vmax = 4});
  const std::string svg = read_text_file(file);
  EXPECT_EQ(xml_problem(svg), "");
  // {0,1} once (weight max(1, 2) = 2), {2,3}; 0.05 is under the threshold. No arrows.
  EXPECT_EQ(count(svg, "<path class=\"edge\""), 2u);
  EXPECT_NE(svg.find("data-from=\"0\" data-to=\"1\" data-weight=\"2\""), std::string::npos);
  EXPECT_EQ(count(svg, "marker-end"), 0u);
  EXPECT_EQ(count(svg, "<circle class=\"loop\""), 0u);
  EXPECT_NEAR(edge_width(svg, 0, 1), 0.5 + 7 * 0.5, 0.05);  // weight 2 of vmax 4: half width
  EXPECT_NEAR(edge_width(svg, 2, 3), 0.5 + 7 * 0.75, 0.05);
  EXPECT_EQ(count(svg, "fill=\"#1f77b4\""), 2u);  // group 0
  EXPECT_EQ(count(svg, "fill=\"#ff7f0e\""), 2u);  // group 1
  EXPECT_NE(svg.find(">3<"), std::string::npos);  // default node labels 0..3
}

TEST_F(GraphSvg, Errors) {
  const std::string file = path("bad.svg");
  auto throws_with = [&](const svg::Graph& g, const std::string& what) {
    try {
      svg::graph(file, g);
      ADD_FAILURE() << "no error for " << what;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("svg::graph"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  throws_with({.weights = Tensor()}, "square");
  throws_with({.weights = Tensor::zeros({2, 3})}, "square");
  throws_with({.weights = Tensor::zeros({4})}, "square");
  throws_with({.labels = {"a"}, .weights = Tensor::zeros({2, 2})}, "1 labels for 2 nodes");
  throws_with({.weights = Tensor::zeros({2, 2}), .groups = {0, 1, 2}}, "3 groups for 2 nodes");
  throws_with({.weights = Tensor::zeros({2, 2}), .groups = {0, -1}}, "negative");
  throws_with({.weights = Tensor::zeros({2, 2}), .threshold = NAN}, "threshold");
  throws_with({.weights = Tensor::zeros({2, 2}), .vmax = 0}, "vmax");
  throws_with({.weights = Tensor::zeros({2, 2}), .size = 10}, "size");
  EXPECT_FALSE(fs::exists(file));
}

TEST(XmlWellFormed, AcceptsGoodAndFindsBadDocuments) {
  EXPECT_EQ(xml_problem("<svg a=\"1\"><g><text x='2'>a &amp; b &#233;</text></g><rect/></svg>\n"), "");
  EXPECT_NE(xml_problem("<svg><g></svg></g>"), "");
  EXPECT_NE(xml_problem("<svg><g></svg>"), "");
  EXPECT_NE(xml_problem("<svg a=1></svg>"), "");
  EXPECT_NE(xml_problem("<svg a=\"1\"b=\"2\"></svg>"), "");
  EXPECT_NE(xml_problem("<svg><text>a & b</text></svg>"), "");
  EXPECT_NE(xml_problem("<svg><text>a < b</text></svg>"), "");
  EXPECT_NE(xml_problem("<svg></svg><svg></svg>"), "");
  EXPECT_NE(xml_problem(""), "");
}

}  // namespace
}  // namespace atn
