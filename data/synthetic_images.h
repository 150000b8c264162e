// Small synthetic images for a Vision Transformer: filled shapes on a dark background.
//
// Four classes, each a filled figure inside an extent × extent box placed anywhere in a
// size × size image: 0 square, 1 circle (a disk touching the four sides of its box),
// 2 triangle (isosceles, apex up, base on the bottom of the box), 3 cross (a plus sign whose
// arms are about extent/3 thick). Pixels are 1 on the shape and 0 elsewhere, plus optional
// N(0, noise_std²) noise. Classes are balanced (example k has class k mod 4, then each split is
// shuffled), and no (class, extent, position) appears in both splits, so with noise_std = 0 no
// test image is a training image.
//
// Layout is PyTorch's NCHW: images [N, 1, size, size]; labels [N] hold the class as a float.
// With size 16 and patches of 4 a ViT sees a 4 × 4 grid of 16-pixel patches.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace atn {

enum class ShapeKind { square = 0, circle = 1, triangle = 2, cross = 3 };
inline constexpr int64_t kShapeKinds = 4;

struct ShapeImagesConfig {
  int64_t size = 16;
  int64_t min_extent = 6;
  int64_t max_extent = 12;
  int64_t n_train = 1000;
  int64_t n_test = 200;
  real noise_std = 0;
  uint64_t seed = 1;
};

struct ImageSplit {
  Tensor images;  // [N, 1, size, size]
  Tensor labels;  // [N], class index as a float
};

struct ImageDataset {
  ImageSplit train, test;
  int64_t n_classes = 0;
  std::vector<std::string> class_names;  // "square", "circle", "triangle", "cross"
};

ImageDataset shape_images(const ShapeImagesConfig& cfg = {});

// One noiseless image [size, size] with the shape's box at (row, col), top-left corner.
// atn::Error if the box does not fit or extent < 3.
Tensor draw_shape(ShapeKind kind, int64_t size, int64_t extent, int64_t row, int64_t col);

// The English class names, indexed by ShapeKind.
const std::vector<std::string>& shape_class_names();

}  // namespace atn
