// Relational attention, the symbol retrievers and dual attention: values by hand, RA against its
// formula written pair by pair, symmetric relations, grouped-query keys, shapes and widths,
// causality, gradients of every module w.r.t. inputs and parameters, and errors.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "nn/attention/dual_attention.h"
#include "nn/attention/symbol_retrieval.h"
#include "tensor/matmul.h"

namespace atn {
namespace {

constexpr real kHi = 0.66976155f, kLo = 0.33023845f;  // softmax(1/√2, 0) = [e^0.70711, 1]/(1 + e^0.70711)

void set(Linear& l, std::vector<real> w) {
  l.weight.value().copy_from(Tensor::from(std::move(w)));
  if (l.bias.defined()) l.bias.value().fill(0);
}

// All parameters of `m` after the given inputs, for gradcheck.
std::vector<Var> with_params(std::vector<Var> inputs, const Module& m) {
  for (const Var& p : m.parameters()) inputs.push_back(p);
  return inputs;
}

// RA written pair by pair from the weights the module returned:
//   y_i = W_o concat_h Σ_j α^h_ij (W_r^h R_ij· + ŝ^h_ij),
// with ŝ_ij = W_v s_j, or W_v s_{j−i} (row j − i + n − 1 of the table) in relative mode.
Tensor ra_reference(RelationalAttention& ra, const Var& symbols, const RelationalAttentionWeights& w) {
  NoGrad ng;
  const Tensor& alpha = w.attention.value();
  const Tensor& rel = w.relations.value();
  const Tensor sv = ra.wv(symbols).value();
  const Tensor& wr = ra.wr.value();
  const int64_t B = alpha.size(0), H = alpha.size(1), n = alpha.size(2), dh = ra.head_dim, nr = ra.config.n_relations;
  Tensor heads({B, n, H * dh});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t c = 0; c < dh; ++c) {
          double acc = 0;
          for (int64_t j = 0; j < n; ++j) {
            double term = 0;
            for (int64_t l = 0; l < nr; ++l) term += wr.at({h, c, l}) * rel.at({b, l, i, j});
            if (ra.config.relative_symbols)
              term += sv.at({j - i + n - 1, h * dh + c});
            else if (sv.dim() == 2)
              term += sv.at({j, h * dh + c});
            else
              term += sv.at({b, j, h * dh + c});
            acc += alpha.at({b, h, i, j}) * term;
          }
          heads.at({b, i, h * dh + c}) = real(acc);
        }
  Tensor y = matmul(heads.reshape({B * n, H * dh}), ra.wo.weight.value(), false, true);
  return y.reshape({B, n, H * dh});
}

TEST(RelationalAttention, ValuesByHand) {
  // d = 2, one head, one relation (d_h = d_r = 2), every projection the identity, W_r = [1, 0]ᵀ.
  // x = [[1, 0], [0, 1]], symbols s = [[1, 1], [2, −1]], no mask.
  //   α = softmax(x xᵀ/√2): row 0 = [hi, lo], row 1 = [lo, hi], hi = 0.669762, lo = 0.330238
  //   R = x xᵀ/√2 = [[0.707107, 0], [0, 0.707107]]
  //   ρ_0 = hi·0.707107 = 0.473593 = ρ_1
  //   A_0 = hi·[1, 1] + lo·[2, −1] = [1.330238, 0.339523];  A_1 = lo·[1, 1] + hi·[2, −1] = [1.669762, −0.339523]
  //   y_i = A_i + W_r ρ_i:  y_0 = [1.803831, 0.339523],  y_1 = [2.143354, −0.339523]
  Rng rng(1);
  RelationalAttention ra({.d_model = 2, .n_heads = 1}, rng);
  for (Linear* l : {&ra.wq_attn, &ra.wk_attn, &ra.wq_rel, ra.wk_rel.get(), &ra.wv, &ra.wo}) set(*l, {1, 0, 0, 1});
  ra.wr.value().copy_from(Tensor::from({1, 0}));
  Var x(Tensor::from({1, 0, 0, 1}, {1, 2, 2}));
  RelationalAttentionWeights w;
  Var y = ra.forward(x, Var(Tensor::from({1, 1, 2, -1}, {2, 2})), Tensor(), &w);
  EXPECT_TRUE(allclose(w.attention.value(), Tensor::from({kHi, kLo, kLo, kHi}, {1, 1, 2, 2})));
  EXPECT_TRUE(allclose(w.relations.value(), Tensor::from({0.70710678f, 0, 0, 0.70710678f}, {1, 1, 2, 2})));
  EXPECT_TRUE(allclose(y.value(), Tensor::from({1.8038314f, 0.3395231f, 2.1433545f, -0.3395231f}, {1, 2, 2}), 1e-5f));
}

TEST(RelationalAttention, MatchesThePairwiseFormula) {
  Rng rng(2);
  // Per-position symbols [n, d], per-sequence symbols [B, n, d], and the relative offset table.
  for (int mode = 0; mode < 3; ++mode) {
    RelationalAttention ra({.d_model = 8,
                            .n_heads = 2,
                            .total_heads = 4,
                            .n_relations = 2,
                            .relative_symbols = mode == 2,
                            .activation = RelationActivation::tanh,
                            .causal = mode == 1},
                           rng);
    Var x(Tensor::randn({2, 5, 8}, rng));
    Var symbols(Tensor::randn(mode == 0 ? Shape{5, 8} : mode == 1 ? Shape{2, 5, 8} : Shape{9, 8}, rng));
    RelationalAttentionWeights w;
    Var y = ra.forward(x, symbols, Tensor(), &w);
    ASSERT_EQ(y.shape(), (Shape{2, 5, 4}));  // n_heads·d_h = 2·(8/4)
    EXPECT_EQ(w.attention.shape(), (Shape{2, 2, 5, 5}));
    EXPECT_EQ(w.relations.shape(), (Shape{2, 2, 5, 5}));
    EXPECT_LT(max_abs_diff(y.value(), ra_reference(ra, symbols, w)), 1e-5) << "mode " << mode;
    for (int64_t r = 0; r < 2 * 2 * 5; ++r) {  // rows of α sum to 1
      real s = 0;
      for (int64_t j = 0; j < 5; ++j) s += w.attention.value()[r * 5 + j];
      EXPECT_NEAR(s, 1, 1e-6);
    }
  }
}

TEST(RelationalAttention, SymmetricRelationsAndGroupedKeys) {
  Rng rng(3);
  RelationalAttention sym({.d_model = 8, .n_heads = 4, .n_relations = 2, .n_kv_heads = 2, .symmetric_relations = true},
                          rng);
  EXPECT_EQ(sym.wk_rel, nullptr);
  for (const auto& [name, p] : sym.named_parameters()) EXPECT_EQ(name.find("wk_rel"), std::string::npos) << name;
  Var x(Tensor::randn({2, 4, 8}, rng));
  RelationalAttentionWeights w;
  sym.forward(x, Var(Tensor::randn({4, 8}, rng)), Tensor(), &w);
  const Tensor& r = w.relations.value();
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t l = 0; l < 2; ++l)
      for (int64_t i = 0; i < 4; ++i)
        for (int64_t j = 0; j < 4; ++j) EXPECT_NEAR(r.at({b, l, i, j}), r.at({b, l, j, i}), 1e-6);
  // Grouped-query keys: heads 0, 1 use key head 0 and heads 2, 3 key head 1 (d_h = 2).
  NoGrad ng;
  Tensor q = sym.wq_attn(x).value(), k = sym.wk_attn(x).value();
  ASSERT_EQ(k.shape(), (Shape{2, 4, 4}));
  for (int64_t h = 0; h < 4; ++h)
    for (int64_t i = 0; i < 4; ++i) {
      double e[4], z = 0;
      for (int64_t j = 0; j < 4; ++j) {
        double dot = 0;
        for (int64_t c = 0; c < 2; ++c) dot += q.at({1, i, h * 2 + c}) * k.at({1, j, (h / 2) * 2 + c});
        z += e[j] = std::exp(dot / std::sqrt(2.0));
      }
      for (int64_t j = 0; j < 4; ++j) EXPECT_NEAR(w.attention.value().at({1, h, i, j}), e[j] / z, 1e-5);
    }
  // Without the symmetric option R is not symmetric.
  RelationalAttention asym({.d_model = 8, .n_heads = 4, .n_relations = 2}, rng);
  asym.forward(x, Var(Tensor::randn({4, 8}, rng)), Tensor(), &w);
  EXPECT_GT(std::fabs(w.relations.value().at({0, 0, 1, 2}) - w.relations.value().at({0, 0, 2, 1})), 1e-4);
}

TEST(SymbolRetrieval, ValuesByHand) {
  Rng rng(4);
  // Symbolic attention, d = 2, one head, 2 symbols. q = x (identity, no bias), F = I:
  // x = [√2·ln 3, 0] scores q·F_k/√2 = [ln 3, 0] → weights [3/4, 1/4];
  // S = [[4, 0], [0, 8]] → s = [3, 2].
  SymbolicAttention sa({.d_model = 2, .n_heads = 1, .n_symbols = 2}, rng);
  set(sa.q_proj, {1, 0, 0, 1});
  sa.template_features.value().copy_from(Tensor::from({1, 0, 0, 1}));
  sa.symbol_library.value().copy_from(Tensor::from({4, 0, 0, 8}));
  Var a;
  Var s = sa.forward(Var(Tensor::from({std::sqrt(2.0f) * std::log(3.0f), 0}, {1, 1, 2})), &a);
  EXPECT_TRUE(allclose(a.value(), Tensor::from({0.75f, 0.25f}, {1, 1, 1, 2}), 1e-5f));
  EXPECT_TRUE(allclose(s.value(), Tensor::from({3, 2}, {1, 1, 2}), 1e-5f));
  EXPECT_EQ(sa.named_parameters().size(), 4u);  // q_proj.weight, q_proj.bias, template_features, symbol_library
  SymbolicAttention frozen({.d_model = 2, .n_symbols = 3, .trainable_symbols = false}, rng);
  EXPECT_EQ(frozen.named_parameters().size(), 3u);
  EXPECT_EQ(frozen.state_dict().count("symbol_library"), 1u);  // saved, not trained
  EXPECT_EQ(frozen.type_name(), "SymbolicAttention(d_model=2, n_heads=1, n_symbols=3, frozen)");

  // Positional symbols: the first n rows of E.
  PositionalSymbols pos(6, 2, rng);
  Var p = pos(Var(Tensor::zeros({3, 4, 2})));
  EXPECT_EQ(p.value().to_vector(), pos.symbol_library.value().narrow0(0, 4).to_vector());

  // Relative symbols, m = 1, n = 3: offsets −2..2 clip to −1, −1, 0, 1, 1 → rows 0, 0, 1, 2, 2 of P.
  PositionRelativeSymbols rel(1, 2, rng);
  EXPECT_TRUE(rel.relative());
  rel.rel_symbols.value().copy_from(Tensor::from({10, 11, 20, 21, 30, 31}));
  Var t = rel(Var(Tensor::zeros({1, 3, 2})));
  EXPECT_EQ(t.value().to_vector(), (std::vector<real>{10, 11, 10, 11, 20, 21, 30, 31, 30, 31}));
}

TEST(DualAttention, WidthsShapesAndNames) {
  Rng rng(5);
  DualAttention da({.d_model = 12, .n_heads_sa = 2, .n_heads_ra = 1}, rng);
  EXPECT_EQ(da.head_dim, 4);  // 12 / (2 + 1)
  EXPECT_EQ(da.self_attention->config.head_dim, 4);
  EXPECT_EQ(da.relational_attention->head_dim, 4);
  auto named = da.named_parameters();
  EXPECT_EQ(named[0].first, "self_attention.wq.weight");
  EXPECT_EQ(named[0].second.shape(), (Shape{8, 12}));  // n_sa·d_h = 8
  EXPECT_EQ(named[3].first, "self_attention.wo.weight");
  EXPECT_EQ(named[3].second.shape(), (Shape{8, 8}));
  EXPECT_EQ(named[4].first, "relational_attention.wr");  // own parameters before the children's
  EXPECT_EQ(named[4].second.shape(), (Shape{1, 4, 1}));  // [n_ra, d_h, n_r]
  EXPECT_EQ(named[5].first, "relational_attention.wq_attn.weight");
  EXPECT_EQ(named.back().first, "relational_attention.wo.weight");
  EXPECT_EQ(named.back().second.shape(), (Shape{4, 4}));
  EXPECT_EQ(da.type_name(), "DualAttention(d_model=12, n_heads_sa=2, n_heads_ra=1)");

  Var x(Tensor::randn({2, 5, 12}, rng));
  SymbolicAttention retriever({.d_model = 12, .n_heads = 2, .n_symbols = 4}, rng);
  DualAttentionWeights w;
  Var y = da.forward(x, retriever(x), Tensor(), &w);
  EXPECT_EQ(y.shape(), (Shape{2, 5, 12}));
  EXPECT_EQ(w.sa.shape(), (Shape{2, 2, 5, 5}));
  EXPECT_EQ(w.ra.shape(), (Shape{2, 1, 5, 5}));
  EXPECT_EQ(w.relations.shape(), (Shape{2, 1, 5, 5}));
  for (int64_t r = 0; r < 2 * 2 * 5; ++r) {  // rows of the SA weights sum to 1
    real s = 0;
    for (int64_t j = 0; j < 5; ++j) s += w.sa.value()[r * 5 + j];
    EXPECT_NEAR(s, 1, 1e-6);
  }
  // The first 8 columns are SA's output, the last 4 RA's: the concat, SA first.
  NoGrad ng;
  Tensor sa = da.self_attention->forward(x).value();
  Tensor ra = da.relational_attention->forward(x, retriever(x)).value();
  for (int64_t r = 0; r < 10; ++r)
    for (int64_t c = 0; c < 12; ++c) EXPECT_EQ(y.value()[r * 12 + c], c < 8 ? sa[r * 8 + c] : ra[r * 4 + c - 8]);

  // One branch only.
  DualAttention only_sa({.d_model = 6, .n_heads_sa = 3, .n_heads_ra = 0}, rng);
  EXPECT_EQ(only_sa.relational_attention, nullptr);
  EXPECT_EQ(only_sa.forward(Var(Tensor::zeros({1, 4, 6})), Var(), Tensor(), &w).shape(), (Shape{1, 4, 6}));
  EXPECT_FALSE(w.ra.defined());
  DualAttention only_ra({.d_model = 6, .n_heads_sa = 0, .n_heads_ra = 2}, rng);
  EXPECT_EQ(only_ra.self_attention, nullptr);
  EXPECT_EQ(only_ra.forward(Var(Tensor::zeros({1, 4, 6})), Var(Tensor::zeros({4, 6}))).shape(), (Shape{1, 4, 6}));
}

TEST(DualAttention, CausalAndPaddingMasks) {
  Rng rng(6);
  SymbolicAttention symbolic({.d_model = 8, .n_heads = 2, .n_symbols = 3}, rng);
  PositionRelativeSymbols relative(2, 8, rng);
  for (bool rel : {false, true}) {
    DualAttention da({.d_model = 8, .n_heads_sa = 2, .n_heads_ra = 2, .relative_symbols = rel, .causal = true}, rng);
    SymbolRetriever& retriever = rel ? static_cast<SymbolRetriever&>(relative) : symbolic;
    Tensor x = Tensor::randn({2, 5, 8}, rng), x2 = x.clone();
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t c = 0; c < 8; ++c) x2.at({b, 4, c}) += 1;  // change only the last token
    NoGrad ng;
    DualAttentionWeights w;
    Tensor y = da.forward(Var(x), retriever(Var(x)), Tensor(), &w).value();
    Tensor y2 = da.forward(Var(x2), retriever(Var(x2))).value();
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t i = 0; i < 4; ++i)
        for (int64_t c = 0; c < 8; ++c)
          EXPECT_EQ(y.at({b, i, c}), y2.at({b, i, c})) << "position " << i << " saw the future";
    EXPECT_NE(y.at({0, 4, 0}), y2.at({0, 4, 0}));
    for (const Var& a : {w.sa, w.ra})
      for (int64_t i = 0; i < 5; ++i)
        for (int64_t j = i + 1; j < 5; ++j) EXPECT_EQ(a.value().at({1, 1, i, j}), 0);
  }
  // Padding [B, 1, 1, n]: the second sequence has 3 real tokens; nobody attends to keys 3, 4.
  DualAttention da({.d_model = 8, .n_heads_sa = 1, .n_heads_ra = 1}, rng);
  Tensor keep = Tensor::from({1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, {2, 1, 1, 5});
  Var x(Tensor::randn({2, 5, 8}, rng));
  DualAttentionWeights w;
  da.forward(x, symbolic(x), keep, &w);
  for (int64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(w.sa.value().at({1, 0, i, 3}), 0);
    EXPECT_EQ(w.ra.value().at({1, 0, i, 4}), 0);
    EXPECT_GT(w.ra.value().at({0, 0, i, 4}), 0);
  }
}

TEST(DualAttention, GradcheckEveryModule) {
  Rng rng(7);
  Var x = param(Tensor::randn({2, 3, 4}, rng));
  {
    SymbolicAttention m({.d_model = 4, .n_heads = 2, .n_symbols = 3}, rng);
    auto r = gradcheck([&](const std::vector<Var>& v) { return m(v[0]); }, with_params({x}, m));
    EXPECT_TRUE(r.ok) << "SymbolicAttention " << r.report;
  }
  {
    PositionalSymbols m(5, 4, rng);
    auto r = gradcheck([&](const std::vector<Var>& v) { return m(v[0]); }, with_params({x}, m));
    EXPECT_TRUE(r.ok) << "PositionalSymbols " << r.report;
    PositionRelativeSymbols p(1, 4, rng);  // offsets ±2 clip to ±1: rows 0 and 2 are used twice
    r = gradcheck([&](const std::vector<Var>& v) { return p(v[0]); }, with_params({x}, p));
    EXPECT_TRUE(r.ok) << "PositionRelativeSymbols " << r.report;
  }
  {
    SensoryAttention m({.d_model = 4, .n_heads = 2, .head_dim = 3, .causal = true}, rng);
    auto r = gradcheck([&](const std::vector<Var>& v) { return m.forward(v[0]); }, with_params({x}, m));
    EXPECT_TRUE(r.ok) << "SensoryAttention " << r.report;
  }
  // RA: per-sequence symbols with grouped keys and tanh; symmetric and causal; relative symbols.
  const std::vector<std::pair<RelationalAttentionConfig, Shape>> cases = {
      {{.d_model = 4, .n_heads = 2, .n_relations = 1, .n_kv_heads = 1, .activation = RelationActivation::tanh},
       {2, 3, 4}},
      {{.d_model = 4, .n_heads = 1, .total_heads = 2, .n_relations = 2, .symmetric_relations = true, .causal = true},
       {3, 4}},
      {{.d_model = 4, .n_heads = 2, .relative_symbols = true, .activation = RelationActivation::sigmoid}, {5, 4}},
  };
  for (const auto& [cfg, sym_shape] : cases) {
    RelationalAttention m(cfg, rng);
    Var s = param(Tensor::randn(sym_shape, rng));
    auto r = gradcheck([&](const std::vector<Var>& v) { return m.forward(v[0], v[1]); }, with_params({x, s}, m));
    EXPECT_TRUE(r.ok) << m.type_name() << " " << r.report;
  }
  {
    DualAttention m({.d_model = 4, .n_heads_sa = 1, .n_heads_ra = 1, .causal = true}, rng);
    Var s = param(Tensor::randn({2, 3, 4}, rng));
    auto r = gradcheck([&](const std::vector<Var>& v) { return m.forward(v[0], v[1]); }, with_params({x, s}, m));
    EXPECT_TRUE(r.ok) << "DualAttention " << r.report;
  }
}

TEST(DualAttention, BadInput) {
  Rng rng(8);
  try {
    DualAttention bad({.d_model = 10, .n_heads_sa = 2, .n_heads_ra = 2}, rng);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "DualAttention: d_model=10 must be a positive multiple of n_heads_sa + n_heads_ra = 2 + 2");
  }
  EXPECT_THROW(DualAttention({.d_model = 4, .n_heads_sa = 0, .n_heads_ra = 0}, rng), Error);
  EXPECT_THROW(RelationalAttention({.d_model = 8, .n_heads = 2, .n_relations = 3}, rng), Error);  // 3 ∤ 8
  EXPECT_THROW(RelationalAttention({.d_model = 8, .n_heads = 2, .n_kv_heads = 3}, rng), Error);
  EXPECT_THROW(SymbolicAttention({.d_model = 4, .n_heads = 3, .n_symbols = 2}, rng), Error);
  EXPECT_THROW(PositionalSymbols(0, 4, rng), Error);

  DualAttention da({.d_model = 4, .n_heads_sa = 1, .n_heads_ra = 1}, rng);
  Var x(Tensor::zeros({2, 3, 4}));
  try {
    da.forward(x, Var(Tensor::zeros({4, 4})));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "RelationalAttention: symbols [4, 4] are not [n, d] or [B, n, d] for input [2, 3, 4]");
  }
  EXPECT_THROW(da.forward(x, Var()), Error);
  EXPECT_THROW(da.forward(Var(Tensor::zeros({2, 3, 5})), Var(Tensor::zeros({3, 5}))), Error);
  EXPECT_THROW(da.forward(x, Var(Tensor::zeros({3, 4})), Tensor::full({3, 3}, 0.5f)), Error);  // not 0/1
  EXPECT_THROW(da.forward(x, Var(Tensor::zeros({3, 4})), Tensor::ones({4, 4})), Error);        // does not broadcast
  DualAttention rel({.d_model = 4, .n_heads_sa = 1, .n_heads_ra = 1, .relative_symbols = true}, rng);
  EXPECT_THROW(rel.forward(x, Var(Tensor::zeros({3, 4}))), Error);  // needs the [2n − 1, d] table
  PositionalSymbols pos(2, 4, rng);
  EXPECT_THROW(pos(x), Error);  // n = 3 > max_len
}

}  // namespace
}  // namespace atn
