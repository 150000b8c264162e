// Attention on graphs (lesson 03).
//
// Self-attention is message passing on the complete graph: A[i, j] is how much node i listens to
// node j. Restricting it to a graph's edges is a mask (masks.h: graph_mask), and a GAT layer
// learns the weights of the edges from the nodes' features.
#pragma once
#include "nn/attention/self_attention.h"

namespace atn {

// (a) Self-attention whose token i attends only to its neighbours N(i): SelfAttention with the
// graph's adjacency [N, N] as its mask (1 = edge i → j; include self loops if a node should see
// itself). A node without any neighbour gets a zero output row.
class GraphSelfAttention : public SelfAttention {
 public:
  using SelfAttention::SelfAttention;
  // x [N, d] or [B, N, d]; adjacency [N, N] of 0/1 is required.
  AttentionResult forward(const Var& x, const Tensor& adjacency);
  AttentionResult operator()(const Var& x, const Tensor& adjacency) { return forward(x, adjacency); }
  std::string type_name() const override;
};

// (b) Graph attention layer, Veličković, Cucurull, Casanova, Romero, Liò & Bengio (2018), "Graph
// Attention Networks", eqs. (1)–(5). For each head, with W [F', F] and a = [a1 ‖ a2] ∈ R^{2F'}:
//
//   e_ij = LeakyReLU(aᵀ [W h_i ‖ W h_j]) = LeakyReLU(a1·W h_i + a2·W h_j)    (slope 0.2)
//   α_ij = softmax_j(e_ij) over j ∈ N(i)                                       (N(i) includes i)
//   h'_i = Σ_j α_ij W h_j
//
// The split of aᵀ[·‖·] into two dot products means the [N, N] scores are a broadcast sum of an
// [N, 1] and a [1, N] column, and no [N, N, 2F'] tensor of concatenated pairs is ever built.
// Heads are concatenated ([N, H·F'], the paper's hidden layers) or averaged ([N, F'], its output
// layer). The paper then applies a nonlinearity (ELU, or softmax for classification); that is
// left to the caller, as is dropout.
// Parameters: "w.weight" [H·F', F] (the heads' W stacked, bias-free), "a1" and "a2" [H, F'].
class GATLayer : public Module {
 public:
  GATLayer(int64_t in_features, int64_t out_features, int64_t heads, Rng& rng, bool concat = true,
           real negative_slope = 0.2f);

  // h [N, F]; adjacency [N, N] of 0/1 (row i: the neighbours of node i; graph_mask builds it).
  // Self loops are always added (the paper's N(i) contains i), so no row is empty.
  // → context [N, H·F'] or [N, F'], weights [H, N, N] (zero off the graph).
  AttentionResult forward(const Var& h, const Tensor& adjacency);
  AttentionResult operator()(const Var& h, const Tensor& adjacency) { return forward(h, adjacency); }
  std::string type_name() const override;

  int64_t in_features, out_features, heads;
  bool concat;
  real negative_slope;
  Linear w;
  Var a1, a2;
};

}  // namespace atn
