// Attention on graphs (nn/attention/graph_attention.h): neighbourhood self-attention and GAT.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "nn/attention/graph_attention.h"
#include "nn/attention/masks.h"
#include "tensor/reduce.h"
#include "tensor/shape_ops.h"

namespace atn {
namespace {

// Forward passes through modules record on the thread-local tape; clear it after each test so
// no test leaves entries behind for the next one.
struct CleanTape : ::testing::Test {
  void TearDown() override { Tape::current().clear(); }
};
struct GraphSelfAttentionTest : CleanTape {};
struct GATLayerTest : CleanTape {};

// A 4-cycle 0–1–2–3–0 with self loops, plus the chord 0–2.
const std::vector<std::pair<int64_t, int64_t>> cycle = {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {0, 2}};

void expect_zero_off_graph(const Tensor& weights, const Tensor& adjacency) {
  const int64_t n = adjacency.size(0), blocks = weights.numel() / (n * n);
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t i = 0; i < n * n; ++i) {
      if (adjacency[i] != 0) continue;
      EXPECT_EQ(weights[b * n * n + i], 0) << "block " << b << " entry " << i;
    }
  for (real s : sum(weights, -1)) EXPECT_NEAR(s, 1, 1e-5f);
}

TEST_F(GraphSelfAttentionTest, RestrictedToNeighbours) {
  Rng rng(1);
  GraphSelfAttention attn(3, rng);
  EXPECT_EQ(attn.type_name(), "GraphSelfAttention(d=3, d_k=3, d_v=3)");
  EXPECT_EQ(attn.named_parameters()[0].first, "wq.weight");
  const Tensor adj = graph_mask(4, cycle);
  Var x = param(Tensor::randn({2, 4, 3}, rng));
  auto [h, a] = attn(x, adj);
  EXPECT_EQ(a.shape(), (Shape{2, 4, 4}));
  expect_zero_off_graph(a.value(), adj);
  // Same as SelfAttention with the adjacency as its mask.
  auto [h2, a2] = static_cast<SelfAttention&>(attn).forward(x, adj);
  EXPECT_EQ(max_abs_diff(h.value(), h2.value()), 0);
  auto r = gradcheck([&](const std::vector<Var>& in) { return attn(in[0], adj).context; },
                     {x, attn.wq.weight, attn.wk.weight, attn.wv.weight});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST_F(GraphSelfAttentionTest, BadInput) {
  Rng rng(2);
  GraphSelfAttention attn(3, rng);
  Var x(Tensor::zeros({4, 3}));
  try {
    attn(x, graph_mask(3, {{0, 1}}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "GraphSelfAttention: adjacency [3, 3] must be [N, N] for the N=4 nodes of input [4, 3]");
  }
  EXPECT_THROW(attn(x, Tensor()), Error);
  EXPECT_THROW(attn(x, Tensor::full({4, 4}, 2)), Error);
  EXPECT_THROW(attn(Var(Tensor::zeros({4, 2})), graph_mask(4, cycle)), Error);
}

TEST_F(GATLayerTest, HandComputationOnThreeNodes) {
  Rng rng(3);
  GATLayer gat(2, 2, 1, rng);
  auto named = gat.named_parameters();
  ASSERT_EQ(named.size(), 3u);
  // A module's own parameters come before its children's.
  EXPECT_EQ(named[0].first, "a1");
  EXPECT_EQ(named[1].first, "a2");
  EXPECT_EQ(named[2].first, "w.weight");
  EXPECT_EQ(gat.type_name(), "GATLayer(2, 2, heads=1, concat)");
  // W = I, a1 = [1, 0], a2 = [0, −1]; h = [[1, 0], [0, 1], [1, 1]]; path 0 – 1 – 2, given
  // WITHOUT self loops (the layer adds them).
  gat.w.weight.value().copy_from(Tensor::from({1, 0, 0, 1}));
  gat.a1.value().copy_from(Tensor::from({1, 0}));
  gat.a2.value().copy_from(Tensor::from({0, -1}));
  Var h(Tensor::from({1, 0, 0, 1, 1, 1}, {3, 2}));
  auto [out, a] = gat(h, graph_mask(3, {{0, 1}, {1, 2}}, false));
  // a1·Wh_i = [1, 0, 1], a2·Wh_j = [0, −1, −1]; e_ij = LeakyReLU(sum), slope 0.2:
  //   node 0, N = {0, 1}:    e = [1, 0]            → α = [e, 1]/(1 + e)
  //   node 1, N = {0, 1, 2}: e = [0, −0.2, −0.2]   → α = [1, x, x]/(1 + 2x), x = e^−0.2
  //   node 2, N = {1, 2}:    e = [0, 0]            → α = [½, ½]
  const double e = std::exp(1.0), x = std::exp(-0.2);
  const std::vector<double> alpha = {e / (1 + e), 1 / (1 + e), 0,  1 / (1 + 2 * x), x / (1 + 2 * x), x / (1 + 2 * x),
                                     0,           0.5,         0.5};
  ASSERT_EQ(a.shape(), (Shape{1, 3, 3}));
  for (size_t i = 0; i < alpha.size(); ++i) EXPECT_NEAR(a.value()[int64_t(i)], alpha[i], 1e-6) << i;
  // h'_i = Σ_j α_ij W h_j: h'_0 = α_00 [1,0] + α_01 [0,1]; h'_1 = [1 + x, 2x]/(1 + 2x); h'_2 = [½, 1].
  const std::vector<double> expected = {e / (1 + e), 1 / (1 + e), (1 + x) / (1 + 2 * x), 2 * x / (1 + 2 * x), 0.5, 1};
  ASSERT_EQ(out.shape(), (Shape{3, 2}));
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(out.value()[int64_t(i)], expected[i], 1e-6) << i;
}

TEST_F(GATLayerTest, ZeroOffGraphAndHeadShapes) {
  const Tensor adj = graph_mask(4, {{0, 1}, {2, 3}});  // two separate edges, self loops
  Rng r1(4), r2(4), rng(5);
  GATLayer concat(3, 2, 3, r1, true), average(3, 2, 3, r2, false);  // same seed: same parameters
  EXPECT_EQ(concat.num_parameters(), 3 * 2 * 3 + 2 * 3 * 2);
  Var h(Tensor::randn({4, 3}, rng));
  auto [oc, wc] = concat(h, adj);
  auto [oa, wa] = average(h, adj);
  EXPECT_EQ(oc.shape(), (Shape{4, 6}));
  EXPECT_EQ(oa.shape(), (Shape{4, 2}));
  EXPECT_EQ(wc.shape(), (Shape{3, 4, 4}));
  expect_zero_off_graph(wc.value(), adj);
  EXPECT_EQ(max_abs_diff(wc.value(), wa.value()), 0);
  // Averaging = the mean of the concatenated heads' blocks.
  Tensor blocks = oc.value().reshape({4, 3, 2});
  Tensor mean_blocks = mean(blocks, 1);
  EXPECT_LT(max_abs_diff(mean_blocks, oa.value()), 1e-6f);
}

TEST_F(GATLayerTest, Gradcheck) {
  Rng rng(6);
  const Tensor adj = graph_mask(4, cycle);
  for (bool concat : {true, false}) {
    GATLayer gat(3, 2, 2, rng, concat);
    Var h = param(Tensor::randn({4, 3}, rng));
    auto r = gradcheck([&](const std::vector<Var>& in) { return gat(in[0], adj).context; },
                       {h, gat.w.weight, gat.a1, gat.a2});
    EXPECT_TRUE(r.ok) << (concat ? "concat\n" : "average\n") << r.report;
  }
}

TEST_F(GATLayerTest, BadInput) {
  Rng rng(7);
  try {
    GATLayer(3, 2, 0, rng);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "GATLayer: sizes must be positive, got in=3 out=2 heads=0");
  }
  GATLayer gat(3, 2, 2, rng);
  EXPECT_THROW(gat(Var(Tensor::zeros({4, 2})), graph_mask(4, cycle)), Error);
  EXPECT_THROW(gat(Var(Tensor::zeros({2, 4, 3})), graph_mask(4, cycle)), Error);
  EXPECT_THROW(gat(Var(Tensor::zeros({4, 3})), graph_mask(5, cycle)), Error);
  EXPECT_THROW(gat(Var(Tensor::zeros({4, 3})), Tensor::full({4, 4}, 0.5f)), Error);
}

}  // namespace
}  // namespace atn
