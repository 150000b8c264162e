#include "nn/attention/graph_attention.h"

#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "autograd/ops_shape.h"
#include "nn/attention/masks.h"
#include "nn/init.h"
#include "tensor/elementwise.h"

namespace atn {

namespace {

// adjacency must be a 0/1 matrix [N, N] over the N nodes of the input.
void check_adjacency(const Tensor& adjacency, int64_t nodes, const char* op, const Shape& x_shape) {
  if (!adjacency.defined() || adjacency.dim() != 2 || adjacency.size(0) != nodes || adjacency.size(1) != nodes)
    fail(op, ": adjacency ", adjacency.defined() ? to_string(adjacency.shape()) : std::string("(undefined)"),
         " must be [N, N] for the N=", nodes, " nodes of input ", to_string(x_shape));
  check_mask(adjacency, op);
}

// The width of the stacked heads H·F', after checking the sizes (before Linear sees them, so the
// error names this layer).
int64_t gat_width(int64_t in, int64_t out, int64_t heads) {
  if (in < 1 || out < 1 || heads < 1)
    fail("GATLayer: sizes must be positive, got in=", in, " out=", out, " heads=", heads);
  return heads * out;
}

}  // namespace

AttentionResult GraphSelfAttention::forward(const Var& x, const Tensor& adjacency) {
  if ((x.dim() != 2 && x.dim() != 3) || x.size(-1) != d_model)
    fail("GraphSelfAttention: input ", to_string(x.shape()), " is not [N, d] or [B, N, d] with d=", d_model);
  check_adjacency(adjacency, x.size(-2), "GraphSelfAttention", x.shape());
  return SelfAttention::forward(x, adjacency);
}

std::string GraphSelfAttention::type_name() const { return "Graph" + SelfAttention::type_name(); }

GATLayer::GATLayer(int64_t in, int64_t out, int64_t n_heads, Rng& rng, bool concat_heads, real slope)
    : in_features(in),
      out_features(out),
      heads(n_heads),
      concat(concat_heads),
      negative_slope(slope),
      w(in, gat_width(in, out, n_heads), rng, false) {
  register_module("w", w);
  // Glorot initialization, as in the authors' implementation.
  Tensor t1({heads, out}), t2({heads, out});
  init::xavier_uniform(t1, rng);
  init::xavier_uniform(t2, rng);
  register_parameter("a1", a1, t1);
  register_parameter("a2", a2, t2);
}

std::string GATLayer::type_name() const {
  return "GATLayer(" + std::to_string(in_features) + ", " + std::to_string(out_features) +
         ", heads=" + std::to_string(heads) + (concat ? ", concat)" : ", average)");
}

AttentionResult GATLayer::forward(const Var& h, const Tensor& adjacency) {
  if (h.dim() != 2 || h.size(1) != in_features)
    fail("GATLayer: input ", to_string(h.shape()), " is not [N, F] with F=", in_features);
  const int64_t n = h.size(0);
  check_adjacency(adjacency, n, "GATLayer", h.shape());
  // N(i) always contains i: or-ing in the identity also guarantees no row is fully masked.
  Tensor eye({n, n});
  for (int64_t i = 0; i < n; ++i) eye[i * n + i] = 1;
  const Tensor neighbours = maximum(adjacency, eye);

  // W h_j for every head and node: [N, H·F'] → [H, N, F'].
  Var wh = permute(reshape(w(h), {n, heads, out_features}), {1, 0, 2});
  // a1·W h_i as a column [H, N, 1] and a2·W h_j as a row [H, 1, N]; their broadcast sum is
  // aᵀ[W h_i ‖ W h_j] for all pairs (i, j).
  Var s1 = matmul(wh, reshape(a1, {heads, out_features, 1}));
  Var s2 = transpose(matmul(wh, reshape(a2, {heads, out_features, 1})));
  Var e = leaky_relu(s1 + s2, negative_slope);                      // [H, N, N]
  auto [context, weights] = attend(e, wh, neighbours, "GATLayer");  // context [H, N, F']
  if (concat) return {reshape(permute(context, {1, 0, 2}), {n, heads * out_features}), weights};
  return {mean(context, 0), weights};
}

}  // namespace atn
