// The image-as-patches SVG (viz/patches_svg.h): one element per pixel, patch and token, the
// patch numbers in row-major order, labels escaped, well-formed XML; errors on bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "tests/xml_well_formed.h"
#include "viz/patches_svg.h"

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

TEST(PatchesSvg, PixelsPatchesTokensAndLabels) {
  const fs::path dir = fs::temp_directory_path() / "atn_test_patches_svg";
  fs::remove_all(dir);
  // A 4×6 image with patches of 2: a 2×3 grid, 6 patches, 7 tokens with [CLS].
  Tensor image({4, 6});
  for (int64_t i = 0; i < image.numel(); ++i) image[i] = real(i % 5);
  const std::string file = (dir / "sub/p.svg").string();
  svg::image_patches(file, {.title = "parches <4×6>", .image = image, .patch = 2, .cls_label = "[CLS]&",
                            .sequence_label = "secuencia de tokens"});
  const std::string svg = read_text_file(file);
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_EQ(count(svg, "<rect class=\"pixel\""), 24u);
  EXPECT_EQ(count(svg, "<rect class=\"patch\""), 6u);
  EXPECT_EQ(count(svg, "<text class=\"patch-number\""), 6u);
  EXPECT_EQ(count(svg, "<rect class=\"token\""), 7u);
  // Numbers in row-major order: the first row of the grid holds 0, 1, 2.
  const size_t zero = svg.find("bold\">0<"), one = svg.find("bold\">1<"), five = svg.find("bold\">5<");
  ASSERT_NE(zero, std::string::npos);
  ASSERT_NE(five, std::string::npos);
  EXPECT_LT(zero, one);
  EXPECT_LT(one, five);
  // The smallest value is black and the largest white.
  EXPECT_NE(svg.find("fill=\"#000000\""), std::string::npos);
  EXPECT_NE(svg.find("fill=\"#ffffff\""), std::string::npos);
  EXPECT_NE(svg.find("parches &lt;4×6&gt;"), std::string::npos);
  EXPECT_NE(svg.find(">[CLS]&amp;<"), std::string::npos);
  EXPECT_NE(svg.find(">secuencia de tokens<"), std::string::npos);
  fs::remove_all(dir);
}

TEST(PatchesSvg, BadInputThrows) {
  const std::string file = (fs::temp_directory_path() / "atn_test_patches_svg_bad.svg").string();
  EXPECT_THROW(svg::image_patches(file, {.image = Tensor({4, 6}), .patch = 4}), Error);  // 4 does not divide 6
  EXPECT_THROW(svg::image_patches(file, {.image = Tensor({4, 4}), .patch = 0}), Error);
  EXPECT_THROW(svg::image_patches(file, {.image = Tensor({2, 4, 4}), .patch = 2}), Error);  // not 2-D
  EXPECT_THROW(svg::image_patches(file, {.image = Tensor(), .patch = 2}), Error);
  Tensor nan_image({2, 2});
  nan_image[3] = NAN;
  EXPECT_THROW(svg::image_patches(file, {.image = nan_image, .patch = 1}), Error);
  EXPECT_THROW(svg::image_patches(file, {.image = Tensor({2, 2}), .patch = 1, .cell = -1}), Error);
  EXPECT_FALSE(fs::exists(file));
}

}  // namespace
}  // namespace atn
