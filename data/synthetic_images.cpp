#include "data/synthetic_images.h"

#include <array>
#include <cstdlib>
#include <set>

#include "tensor/rng.h"

namespace atn {
namespace {

// Whether pixel (r, c) of an e × e box, counted from the box's top-left corner, is on the shape.
// Doubled coordinates keep the centre, (e-1)/2, an integer: u = 2r - (e-1), v = 2c - (e-1).
bool on_shape(ShapeKind kind, int64_t e, int64_t r, int64_t c) {
  const int64_t u = 2 * r - (e - 1), v = 2 * c - (e - 1);
  switch (kind) {
    case ShapeKind::square:
      return true;
    case ShapeKind::circle:  // radius e/2 around the centre, i.e. u² + v² <= e² when doubled
      return u * u + v * v <= e * e;
    case ShapeKind::triangle:  // row r is about r+1 pixels wide, centred; the last row is full
      return std::abs(v) <= r + (e % 2 == 0 ? 1 : 0);
    case ShapeKind::cross: {
      // Arms of thickness t ≈ e/3, with e - t even so that the arms sit exactly in the middle.
      int64_t t = e / 3;
      if ((e - t) % 2 != 0) ++t;
      const int64_t lo = (e - t) / 2, hi = lo + t;
      return (r >= lo && r < hi) || (c >= lo && c < hi);
    }
  }
  return false;
}

}  // namespace

const std::vector<std::string>& shape_class_names() {
  static const std::vector<std::string> names = {"square", "circle", "triangle", "cross"};
  return names;
}

Tensor draw_shape(ShapeKind kind, int64_t size, int64_t extent, int64_t row, int64_t col) {
  if (extent < 3) fail("draw_shape: extent must be at least 3 pixels, got ", extent);
  if (row < 0 || col < 0 || row + extent > size || col + extent > size)
    fail("draw_shape: a box of ", extent, " at (", row, ", ", col, ") does not fit in a ", size, " x ", size, " image");
  Tensor img = Tensor::zeros({size, size});
  for (int64_t r = 0; r < extent; ++r)
    for (int64_t c = 0; c < extent; ++c)
      if (on_shape(kind, extent, r, c)) img[(row + r) * size + col + c] = 1;
  return img;
}

ImageDataset shape_images(const ShapeImagesConfig& cfg) {
  const char* op = "shape_images";
  if (cfg.min_extent < 3 || cfg.max_extent < cfg.min_extent || cfg.max_extent > cfg.size)
    fail(op, ": need 3 <= min_extent <= max_extent <= size, got ", cfg.min_extent, ", ", cfg.max_extent, ", ",
         cfg.size);
  if (cfg.n_train < 0 || cfg.n_test < 0) fail(op, ": n_train and n_test must be >= 0");
  if (!(cfg.noise_std >= 0)) fail(op, ": noise_std must be >= 0, got ", cfg.noise_std);
  // Each class has as many distinct images as (extent, row, col) placements.
  int64_t placements = 0;
  for (int64_t e = cfg.min_extent; e <= cfg.max_extent; ++e) placements += (cfg.size - e + 1) * (cfg.size - e + 1);
  const int64_t wanted = cfg.n_train + cfg.n_test;
  if ((wanted + kShapeKinds - 1) / kShapeKinds > placements)
    fail(op, ": only ", placements, " distinct images per class, asked for ", wanted, " in all");

  Rng rng(cfg.seed);
  // Noise comes from its own stream, so the same seed draws the same shapes with or without it.
  Rng noise_rng(cfg.seed ^ 0x9E3779B97F4A7C15ull);
  std::set<std::array<int64_t, 4>> used;  // (class, extent, row, col)
  ImageDataset data;
  data.n_classes = kShapeKinds;
  data.class_names = shape_class_names();
  const int64_t pixels = cfg.size * cfg.size;
  auto make_split = [&](int64_t n) {
    ImageSplit split{Tensor::zeros({n, 1, cfg.size, cfg.size}), Tensor::zeros({n})};
    for (int64_t k = 0; k < n; ++k) {
      const int64_t kind = k % kShapeKinds;
      std::array<int64_t, 4> key{};
      do {
        const int64_t e = cfg.min_extent + int64_t(rng.below(uint64_t(cfg.max_extent - cfg.min_extent + 1)));
        key = {kind, e, int64_t(rng.below(uint64_t(cfg.size - e + 1))), int64_t(rng.below(uint64_t(cfg.size - e + 1)))};
      } while (!used.insert(key).second);
      const Tensor img = draw_shape(ShapeKind(kind), cfg.size, key[1], key[2], key[3]);
      for (int64_t p = 0; p < pixels; ++p) split.images[k * pixels + p] = img[p];
      split.labels[k] = real(kind);
    }
    if (cfg.noise_std > 0)
      for (real& v : split.images) v += noise_rng.normal(0, cfg.noise_std);
    // Shuffle so that classes do not come in a fixed rotation.
    const std::vector<int64_t> order = rng.permutation(n);
    ImageSplit shuffled{Tensor::zeros(split.images.shape()), Tensor::zeros({n})};
    for (int64_t k = 0; k < n; ++k) {
      const int64_t from = order[size_t(k)];
      for (int64_t p = 0; p < pixels; ++p) shuffled.images[k * pixels + p] = split.images[from * pixels + p];
      shuffled.labels[k] = split.labels[from];
    }
    return shuffled;
  };
  data.test = make_split(cfg.n_test);
  data.train = make_split(cfg.n_train);
  return data;
}

}  // namespace atn
