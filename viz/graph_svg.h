// A weighted graph as an SVG figure: nodes on a circle, one edge per nonzero weight, the edge's
// width and opacity proportional to its weight, node labels outside the circle.
//
// This is how lesson 03 draws an attention matrix as a graph: A[i, j] is the weight of the edge
// i → j ("token i listens to token j"). Directed edges are drawn as slightly bent arrows so that
// i → j and j → i are two separate curves; a node's weight on itself (A[i, i]) is a small loop
// outside the node. Nodes may carry a group (e.g. a class) that picks their color.
//
// As the other writers (svg.h), it creates the folder, writes atomically and throws atn::Error
// when the data do not fit together. Elements carry a class so a test can count them: every
// edge is one <path class="edge">, every self loop one <circle class="loop">, every node one
// <circle class="node">, every node label one <text class="label">.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace atn::svg {

struct Graph {
  std::string title{};
  std::vector<std::string> labels{};  // one per node; empty: 0, 1, 2, ...
  Tensor weights{};                   // [N, N]: weights[i, j] is the edge i → j
  bool directed = true;               // false: the pair {i, j} is one line of weight max(w_ij, w_ji)
  std::vector<int> groups{};          // one per node (a palette index ≥ 0); empty: all the same color
  // Edges with weight ≤ threshold (and non-finite weights, e.g. −inf of a mask) are not drawn.
  real threshold = 0;
  std::optional<real> vmax{};  // the weight drawn at full width; default: the largest weight drawn
  std::string weight_label{};  // the legend's caption, e.g. "peso de atención"; empty: "weight"
  int size = 520;              // width and height in pixels (plus room for the title)
};

void graph(const std::string& path, const Graph& graph);

}  // namespace atn::svg
