#include "viz/patches_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "tensor/error.h"
#include "viz/svg.h"

namespace atn::svg {

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string grey(double t) {  // t in [0, 1]: black → white
  const int g = int(std::lround(255 * std::clamp(t, 0.0, 1.0)));
  char buf[16];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", g, g, g);
  return buf;
}

void check(const ImagePatches& f) {
  const Tensor& im = f.image;
  if (!im.defined() || im.dim() != 2 || im.numel() == 0)
    fail("svg::image_patches: image must be a non-empty matrix [H, W], got ",
         im.defined() ? to_string(im.shape()) : std::string("an undefined tensor"));
  if (f.patch < 1 || im.size(0) % f.patch != 0 || im.size(1) % f.patch != 0)
    fail("svg::image_patches: patch ", f.patch, " must be ≥ 1 and divide the image size ", to_string(im.shape()));
  for (int64_t i = 0; i < im.numel(); ++i)
    if (!std::isfinite(im[i])) fail("svg::image_patches: pixel ", i, " is not finite");
  if (f.cell < 0) fail("svg::image_patches: cell ", f.cell, " is negative");
}

}  // namespace

void image_patches(const std::string& path, const ImagePatches& f) {
  check(f);
  const Tensor& im = f.image;
  const int64_t h = im.size(0), w = im.size(1), p = f.patch, gh = h / p, gw = w / p, n = gh * gw;
  double lo = im[0], hi = im[0];
  for (int64_t i = 0; i < im.numel(); ++i) lo = std::min(lo, double(im[i])), hi = std::max(hi, double(im[i]));
  const double range = hi > lo ? hi - lo : 1;
  auto shade = [&](int64_t y, int64_t x) { return grey((double(im.at({y, x})) - lo) / range); };

  const double cell = f.cell > 0 ? f.cell : std::clamp(320.0 / double(std::max(h, w)), 4.0, 40.0);
  // The token row: tiles of P×P small pixels with a gap between them; [CLS] is a tile of its own.
  const double tile_px = std::clamp(36.0 / double(p), 2.0, 12.0), tile = tile_px * double(p), gap = 10;
  const double title_h = f.title.empty() ? 10 : 34, margin = 20;
  const double image_w = cell * double(w), row_w = double(n + 1) * (tile + gap);
  const double width = std::max(image_w, row_w) + 2 * margin;
  const double image_x = (width - image_w) / 2, image_y = title_h;
  const double row_y = image_y + cell * double(h) + 40 + (f.sequence_label.empty() ? 0 : 18);
  const double height = row_y + tile + 30;

  std::ostringstream os;
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(width) << "\" height=\"" << num(height)
     << "\" viewBox=\"0 0 " << num(width) << " " << num(height) << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
     << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!f.title.empty())
    os << "<text x=\"" << num(width / 2) << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" << escape(f.title)
       << "</text>\n";
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      os << "<rect class=\"pixel\" x=\"" << num(image_x + cell * double(x)) << "\" y=\"" << num(image_y + cell * double(y))
         << "\" width=\"" << num(cell) << "\" height=\"" << num(cell) << "\" fill=\"" << shade(y, x) << "\"/>\n";
  // The grid over the image, each patch numbered in its top-left corner.
  for (int64_t gy = 0; gy < gh; ++gy)
    for (int64_t gx = 0; gx < gw; ++gx) {
      const double x0 = image_x + cell * double(gx * p), y0 = image_y + cell * double(gy * p);
      os << "<rect class=\"patch\" x=\"" << num(x0) << "\" y=\"" << num(y0) << "\" width=\"" << num(cell * double(p))
         << "\" height=\"" << num(cell * double(p)) << "\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n"
         << "<text class=\"patch-number\" x=\"" << num(x0 + 4) << "\" y=\"" << num(y0 + 14)
         << "\" fill=\"#d62728\" font-weight=\"bold\">" << gy * gw + gx << "</text>\n";
    }
  if (!f.sequence_label.empty())
    os << "<text x=\"" << num(margin) << "\" y=\"" << num(row_y - 22) << "\" text-anchor=\"start\">"
       << escape(f.sequence_label) << "</text>\n";
  const double row_x = (width - row_w) / 2 + gap / 2;
  const std::string cls = f.cls_label.empty() ? "[CLS]" : f.cls_label;
  os << "<rect class=\"token\" x=\"" << num(row_x) << "\" y=\"" << num(row_y) << "\" width=\"" << num(tile)
     << "\" height=\"" << num(tile) << "\" fill=\"#9ecae1\" stroke=\"#222\"/>\n"
     << "<text x=\"" << num(row_x + tile / 2) << "\" y=\"" << num(row_y + tile + 16)
     << "\" text-anchor=\"middle\">" << escape(cls) << "</text>\n";
  for (int64_t k = 0; k < n; ++k) {
    const int64_t gy = k / gw, gx = k % gw;
    const double x0 = row_x + double(k + 1) * (tile + gap);
    for (int64_t y = 0; y < p; ++y)
      for (int64_t x = 0; x < p; ++x)
        os << "<rect x=\"" << num(x0 + tile_px * double(x)) << "\" y=\"" << num(row_y + tile_px * double(y))
           << "\" width=\"" << num(tile_px) << "\" height=\"" << num(tile_px) << "\" fill=\""
           << shade(gy * p + y, gx * p + x) << "\"/>\n";
    os << "<rect class=\"token\" x=\"" << num(x0) << "\" y=\"" << num(row_y) << "\" width=\"" << num(tile)
       << "\" height=\"" << num(tile) << "\" fill=\"none\" stroke=\"#d62728\"/>\n"
       << "<text x=\"" << num(x0 + tile / 2) << "\" y=\"" << num(row_y + tile + 16) << "\" text-anchor=\"middle\">" << k
       << "</text>\n";
  }
  os << "</svg>\n";
  write_file_atomically(path, os.str());
}

}  // namespace atn::svg
