// A small matrix drawn in the terminal: each cell is a shade (or a background color) and its value.
//
//          el    gato  come
//   el     █ 1.00 ░ 0.10 ...
//
// The text has one header line (column labels), one line per row, and one legend line with the
// scale. With `color` off it contains no escape codes (Unicode shades ' ░▒▓█' only), so it reads
// the same in a file or a pipe; turn `color` on only when writing to a terminal.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace atn {

struct TerminalHeatmap {
  std::vector<std::string> row_labels{}, col_labels{};  // empty: 0, 1, 2, ...
  int decimals = 2;
  bool values = true;  // print each cell's number beside its shade
  bool color = false;  // ANSI 256-color backgrounds instead of shade characters
  // The scale, as svg::Heatmap's: default the finite values' range. Fix it to compare pictures
  // (e.g. vmin = 0, vmax = 1 for attention weights); values outside take the end shades.
  std::optional<real> vmin{}, vmax{};
};

// Throws atn::Error for a tensor that is not a non-empty 2-D matrix, labels of the wrong count, or
// a vmin/vmax that is not finite or with vmin > vmax.
// -inf draws as the lowest shade, +inf the highest, NaN '?'.
std::string terminal_heatmap(const Tensor& matrix, const TerminalHeatmap& options = {});

}  // namespace atn
