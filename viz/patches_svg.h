// An image cut into patches, as a Vision Transformer reads it (models/vit.h): on top, the image
// in grey levels with the P×P patch grid drawn over it and each patch numbered in row-major
// order; below, the sequence of tokens the Transformer sees: the [CLS] token first, then each
// patch as its own small tile, in the same order (patch n = gy·(W/P) + gx, as patchify()).
//
// As the other writers (svg.h), it creates the folder, writes atomically and throws atn::Error
// when the data do not fit together. Elements carry a class so a test can count them: every
// image pixel is one <rect class="pixel">, every patch outline one <rect class="patch">, every
// patch number one <text class="patch-number">, every token of the sequence one
// <rect class="token"> (the first is the [CLS] token).
#pragma once
#include <string>

#include "tensor/tensor.h"

namespace atn::svg {

struct ImagePatches {
  std::string title{};
  Tensor image{};              // [H, W]; grey from the smallest (black) to the largest value (white)
  int64_t patch = 0;           // P: must divide H and W
  std::string cls_label{};     // the first token's label; empty: "[CLS]"
  std::string sequence_label{};  // the caption of the token row, e.g. "secuencia de tokens"; empty: none
  int cell = 0;                // pixels per image pixel; 0: chosen from the image size
};

void image_patches(const std::string& path, const ImagePatches& figure);

}  // namespace atn::svg
