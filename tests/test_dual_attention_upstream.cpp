// Relational and dual attention against the conventions of the reference code (Awni00/
// dual-attention): RoPE on the attention queries and keys only (α by hand, relative positions,
// off by default), W_v in the grouped-query layout (names, shapes, the same function as the
// per-query-head layout, a checkpoint of upstream's shapes loads), W_r's initial bound, gradients,
// and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "nn/attention/dual_attention.h"
#include "nn/attention/symbol_retrieval.h"

namespace atn {
namespace {

std::vector<Var> with_params(std::vector<Var> inputs, const Module& m) {
  for (const Var& p : m.parameters()) inputs.push_back(p);
  return inputs;
}

// RoPE by hand: pair (2p, 2p + 1) of a head vector at position t turned by t·θ_p, θ_p =
// 10000^(−2p/d_h) (interleaved pairs, as upstream's apply_rotary_emb). `rope` false: no turn.
std::vector<double> rotated(const Tensor& t, int64_t b, int64_t pos, int64_t col0, int64_t dh, bool rope) {
  std::vector<double> v(static_cast<size_t>(dh));
  for (int64_t p = 0; p < dh / 2; ++p) {
    const double a = t.at({b, pos, col0 + 2 * p}), c = t.at({b, pos, col0 + 2 * p + 1});
    const double angle = rope ? double(pos) * std::pow(10000.0, -2.0 * double(p) / double(dh)) : 0;
    v[size_t(2 * p)] = a * std::cos(angle) - c * std::sin(angle);
    v[size_t(2 * p + 1)] = a * std::sin(angle) + c * std::cos(angle);
  }
  return v;
}

// α^h_ij = softmax_j(R_i q^h_i · R_j k^{h/g}_j / √d_h) from the module's own projections.
void expect_alpha_by_hand(RelationalAttention& ra, const Var& x, const Tensor& alpha, bool rope) {
  NoGrad ng;
  const Tensor q = ra.wq_attn(x).value(), k = ra.wk_attn(x).value();
  const int64_t B = x.size(0), n = x.size(1), H = ra.config.n_heads, dh = ra.head_dim;
  const int64_t g = H / ra.config.n_kv_heads;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < n; ++i) {
        const std::vector<double> qi = rotated(q, b, i, h * dh, dh, rope);
        std::vector<double> e(static_cast<size_t>(n));
        double z = 0;
        for (int64_t j = 0; j < n; ++j) {
          const std::vector<double> kj = rotated(k, b, j, (h / g) * dh, dh, rope);
          double dot = 0;
          for (int64_t c = 0; c < dh; ++c) dot += qi[size_t(c)] * kj[size_t(c)];
          z += e[size_t(j)] = std::exp(dot / std::sqrt(double(dh)));
        }
        for (int64_t j = 0; j < n; ++j)
          EXPECT_NEAR(alpha.at({b, h, i, j}), e[size_t(j)] / z, 1e-5) << "b " << b << " h " << h << " i " << i;
      }
}

TEST(RelationalAttentionUpstream, RopeTurnsTheAttentionQueriesAndKeysOnly) {
  // d = 8, 2 heads of d_h = 4 sharing one key head, 2 relations.
  Rng rng(21);
  RelationalAttentionConfig cfg{.d_model = 8, .n_heads = 2, .n_relations = 2, .n_kv_heads = 1, .rope = true};
  RelationalAttention ra(cfg, rng);
  cfg.rope = false;
  RelationalAttention plain(cfg, rng);
  plain.load_state_dict(ra.state_dict());  // same weights: RoPE adds no parameters
  EXPECT_EQ(ra.state_dict().size(), plain.state_dict().size());
  EXPECT_EQ(ra.type_name(), "RelationalAttention(d_model=8, n_heads=2, n_relations=2, rope)");

  Var x(Tensor::randn({2, 5, 8}, rng)), symbols(Tensor::randn({5, 8}, rng));
  RelationalAttentionWeights w, w_plain;
  ra.forward(x, symbols, Tensor(), &w);
  plain.forward(x, symbols, Tensor(), &w_plain);
  expect_alpha_by_hand(ra, x, w.attention.value(), true);
  expect_alpha_by_hand(plain, x, w_plain.attention.value(), false);
  EXPECT_GT(max_abs_diff(w.attention.value(), w_plain.attention.value()), 1e-3);  // RoPE did turn q, k
  EXPECT_EQ(max_abs_diff(w.relations.value(), w_plain.relations.value()), 0);     // but not the relations
}

TEST(DualAttentionUpstream, RopeScoresDependOnOffsetsOnly) {
  // Three tokens and their symbols, then the same three after `shift` tokens that no one may
  // attend to (a padding mask). With RoPE the scores depend on positions only through j − i, so
  // the three rows of α, of the relations and of the output are the same at any shift, in both
  // branches. (An absolute position code would change them.)
  Rng rng(22);
  DualAttention da({.d_model = 8, .n_heads_sa = 1, .n_heads_ra = 1, .rope = true}, rng);  // d_h = 4
  EXPECT_TRUE(da.self_attention->config.rope);
  EXPECT_TRUE(da.relational_attention->config.rope);
  const Tensor core = Tensor::randn({1, 3, 8}, rng), core_symbols = Tensor::randn({1, 3, 8}, rng);
  Tensor y_ref;
  DualAttentionWeights w_ref;
  for (int64_t shift : {0, 1, 6}) {
    const int64_t n = 3 + shift;
    Tensor x = Tensor::randn({1, n, 8}, rng), s = Tensor::randn({1, n, 8}, rng), keep({1, 1, 1, n});
    for (int64_t t = 0; t < n; ++t) keep[t] = t >= shift;
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t c = 0; c < 8; ++c) {
        x.at({0, shift + i, c}) = core.at({0, i, c});
        s.at({0, shift + i, c}) = core_symbols.at({0, i, c});
      }
    NoGrad ng;
    DualAttentionWeights w;
    const Tensor y = da.forward(Var(x), Var(s), keep, &w).value();
    if (shift == 0) {
      y_ref = y;
      w_ref = w;
      continue;
    }
    for (int64_t i = 0; i < 3; ++i) {
      for (int64_t c = 0; c < 8; ++c) EXPECT_NEAR(y.at({0, shift + i, c}), y_ref.at({0, i, c}), 1e-5);
      for (int64_t j = 0; j < 3; ++j) {
        EXPECT_NEAR(w.sa.value().at({0, 0, shift + i, shift + j}), w_ref.sa.value().at({0, 0, i, j}), 1e-6);
        EXPECT_NEAR(w.ra.value().at({0, 0, shift + i, shift + j}), w_ref.ra.value().at({0, 0, i, j}), 1e-6);
      }
    }
  }
}

TEST(DualAttentionUpstream, RopeIsOffByDefault) {
  // Off by default, and then there is no position information at all: with no mask and
  // per-sequence symbols, reversing the tokens (and their symbols) reverses the outputs.
  EXPECT_FALSE(RelationalAttentionConfig{}.rope);
  EXPECT_FALSE(SensoryAttentionConfig{}.rope);
  EXPECT_FALSE(DualAttentionConfig{}.rope);
  EXPECT_FALSE(RelationalAttentionConfig{}.grouped_wv);
  Rng rng(23);
  for (bool rope : {false, true}) {
    DualAttention da({.d_model = 8, .n_heads_sa = 2, .n_heads_ra = 2, .rope = rope}, rng);
    EXPECT_EQ(da.self_attention->rotary != nullptr, rope);
    EXPECT_EQ(da.relational_attention->rotary != nullptr, rope);
    const Tensor x = Tensor::randn({1, 4, 8}, rng), s = Tensor::randn({1, 4, 8}, rng);
    Tensor xr({1, 4, 8}), sr({1, 4, 8});
    for (int64_t t = 0; t < 4; ++t)
      for (int64_t c = 0; c < 8; ++c) {
        xr.at({0, t, c}) = x.at({0, 3 - t, c});
        sr.at({0, t, c}) = s.at({0, 3 - t, c});
      }
    NoGrad ng;
    const Tensor y = da.forward(Var(x), Var(s)).value(), yr = da.forward(Var(xr), Var(sr)).value();
    double worst = 0;
    for (int64_t t = 0; t < 4; ++t)
      for (int64_t c = 0; c < 8; ++c)
        worst = std::max(worst, std::fabs(double(y.at({0, t, c}) - yr.at({0, 3 - t, c}))));
    if (rope) {
      EXPECT_GT(worst, 1e-3) << "RoPE on, yet the order of the tokens makes no difference";
    } else {
      EXPECT_LT(worst, 1e-5) << "RoPE off, yet the outputs depend on positions";
    }
  }
}

TEST(RelationalAttentionUpstream, GroupedSymbolProjection) {
  // Upstream's names and shapes with 4 query heads over 2 key heads, d = 8 (d_h = 2), 2 relations
  // (d_r = d_h·n_heads/n_r = 4): W_v has one block per KEY head.
  Rng rng(24);
  for (int mode = 0; mode < 3; ++mode) {  // symbols [n, d], [B, n, d], and the relative table
    RelationalAttentionConfig cfg{.d_model = 8,
                                  .n_heads = 4,
                                  .n_relations = 2,
                                  .n_kv_heads = 2,
                                  .relative_symbols = mode == 2,
                                  .causal = mode == 1,
                                  .grouped_wv = true};
    RelationalAttention grouped(cfg, rng);
    const StateDict sd = grouped.state_dict();
    const std::vector<std::pair<std::string, Shape>> expected = {
        {"wq_attn.weight", {8, 8}}, {"wk_attn.weight", {4, 8}}, {"wq_rel.weight", {8, 8}}, {"wk_rel.weight", {8, 8}},
        {"wv.weight", {4, 8}},      {"wr", {4, 2, 2}},          {"wo.weight", {8, 8}}};
    ASSERT_EQ(sd.size(), expected.size());
    for (const auto& [name, shape] : expected) {
      ASSERT_EQ(sd.count(name), 1u) << name;
      EXPECT_EQ(sd.at(name).shape(), shape) << name;
    }
    // The per-query-head layout computes the same once query head h gets key head h/2's block.
    cfg.grouped_wv = false;
    RelationalAttention per_head(cfg, rng);
    StateDict mapped = sd;
    Tensor wv({8, 8});
    for (int64_t h = 0; h < 4; ++h)
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t c = 0; c < 8; ++c) wv.at({h * 2 + r, c}) = sd.at("wv.weight").at({(h / 2) * 2 + r, c});
    mapped["wv.weight"] = wv;
    per_head.load_state_dict(mapped);
    EXPECT_THROW(per_head.load_state_dict(sd), Error);  // upstream's [4, 8] W_v fits only the grouped layout

    Var x(Tensor::randn({2, 5, 8}, rng));
    Var symbols(Tensor::randn(mode == 0 ? Shape{5, 8} : mode == 1 ? Shape{2, 5, 8} : Shape{9, 8}, rng));
    NoGrad ng;
    EXPECT_LT(max_abs_diff(grouped.forward(x, symbols).value(), per_head.forward(x, symbols).value()), 1e-6)
        << "mode " << mode;
  }
  // DualAttention passes the layout on.
  DualAttention da({.d_model = 12, .n_heads_sa = 1, .n_heads_ra = 2, .n_kv_heads_ra = 1, .grouped_wv_ra = true}, rng);
  EXPECT_EQ(da.state_dict().at("relational_attention.wv.weight").shape(), (Shape{4, 12}));
  EXPECT_EQ(da.state_dict().at("relational_attention.wk_attn.weight").shape(), (Shape{4, 12}));
}

TEST(RelationalAttentionUpstream, WrInitialBound) {
  // Upstream: kaiming_uniform_(a = √5) on [n_heads, d_h, n_r] = [4, 4, 4]: fan_in = d_h·n_r = 16,
  // bound = 1/√16 = 0.25 (a Linear-like 1/√n_r would be 0.5).
  Rng rng(25);
  RelationalAttention ra({.d_model = 16, .n_heads = 4, .n_relations = 4}, rng);
  ASSERT_EQ(ra.wr.shape(), (Shape{4, 4, 4}));
  real largest = 0;
  for (real w : ra.wr.value()) largest = std::max(largest, std::fabs(w));
  EXPECT_LE(largest, 0.25f);
  EXPECT_GT(largest, 0.2f);  // 64 draws from U(−0.25, 0.25) reach past 0.2 (all below: 0.8^64)
}

TEST(DualAttentionUpstream, GradcheckWithRopeAndGroupedSymbols) {
  Rng rng(26);
  Var x = param(Tensor::randn({2, 3, 4}, rng));
  {
    RelationalAttention m({.d_model = 4,
                           .n_heads = 2,
                           .n_relations = 1,
                           .n_kv_heads = 1,
                           .causal = true,
                           .rope = true,
                           .grouped_wv = true},
                          rng);
    Var s = param(Tensor::randn({2, 3, 4}, rng));
    auto r = gradcheck([&](const std::vector<Var>& v) { return m.forward(v[0], v[1]); }, with_params({x, s}, m));
    EXPECT_TRUE(r.ok) << m.type_name() << " " << r.report;
  }
  {
    RelationalAttention m({.d_model = 4, .n_heads = 2, .n_kv_heads = 1, .relative_symbols = true, .grouped_wv = true},
                          rng);
    Var s = param(Tensor::randn({5, 4}, rng));
    auto r = gradcheck([&](const std::vector<Var>& v) { return m.forward(v[0], v[1]); }, with_params({x, s}, m));
    EXPECT_TRUE(r.ok) << m.type_name() << " " << r.report;
  }
  {
    DualAttention m({.d_model = 4, .n_heads_sa = 1, .n_heads_ra = 1, .causal = true, .rope = true}, rng);
    Var s = param(Tensor::randn({3, 4}, rng));
    auto r = gradcheck([&](const std::vector<Var>& v) { return m.forward(v[0], v[1]); }, with_params({x, s}, m));
    EXPECT_TRUE(r.ok) << m.type_name() << " " << r.report;
  }
}

TEST(DualAttentionUpstream, RopeNeedsAnEvenHeadDim) {
  Rng rng(27);
  try {
    RelationalAttention({.d_model = 6, .n_heads = 2, .rope = true}, rng);  // d_h = 3
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "RelationalAttention: RoPE needs an even head_dim and a base above 1, got head_dim=3 and "
                 "rope_base=10000");
  }
  EXPECT_THROW(SensoryAttention({.d_model = 6, .n_heads = 2, .rope = true}, rng), Error);
  EXPECT_THROW(SensoryAttention({.d_model = 8, .n_heads = 2, .rope = true, .rope_base = 1}, rng), Error);
  try {
    DualAttention({.d_model = 6, .n_heads_sa = 1, .n_heads_ra = 1, .rope = true}, rng);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "DualAttention: RoPE needs an even head_dim = d_model / (n_heads_sa + n_heads_ra) and a base above "
                 "1, got head_dim=3 and rope_base=10000");
  }
}

}  // namespace
}  // namespace atn
