// DATLM (models/dat_lm.h): shapes and names, causality for every symbol retriever, both norm
// orders and both kinds of positions, a gradcheck of every parameter, n_ra = 0 computing exactly
// a GPT (weights copied over), the spec's init, RoPE (no position table; in the first block the
// scores depend on positions only through j − i and the relations on the tokens alone) and errors
// naming what is wrong.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "models/dat_lm.h"
#include "models/dat_seq2seq.h"
#include "models/gpt.h"
#include "test_util.h"

namespace atn {
namespace {

using testing_util::names_of;

DATConfig tiny(DATSymbols symbols = DATSymbols::symbolic, bool post_norm = false, bool swiglu = false,
               bool rope = false) {
  return {.vocab = 7,
          .block = 6,
          .n_layer = 2,
          .d_model = 8,
          .n_heads_sa = 1,
          .n_heads_ra = 1,
          .symbols = symbols,
          .n_symbols = 3,
          .symbol_heads = 2,
          .max_rel_pos = 2,
          .post_norm = post_norm,
          .swiglu = swiglu,
          .rope = rope};
}

Tensor tokens(int64_t B, int64_t T, int64_t V, Rng& rng) {
  Tensor idx({B, T});
  for (real& v : idx) v = real(rng.below(uint64_t(V)));
  return idx;
}

bool has_name(const std::vector<std::string>& names, const std::string& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

TEST(DATLM, ShapesNamesAndTiedHead) {
  Rng rng(1);
  DATLM model(tiny(), rng);
  const auto names = names_of(model);
  for (const char* n :
       {"transformer.wte.weight", "transformer.h.1.norm1.weight", "transformer.h.0.dual_attn.self_attention.wq.weight",
        "transformer.h.1.dual_attn.relational_attention.wr", "transformer.h.0.ff.fc1.weight",
        "transformer.h.1.norm2.bias", "transformer.ln_f.bias", "symbol_retriever.q_proj.weight",
        "symbol_retriever.template_features", "symbol_retriever.symbol_library"})
    EXPECT_TRUE(has_name(names, n)) << n;
  // One retriever for all layers: its parameters appear once, at the top.
  for (const auto& n : names)
    EXPECT_EQ(n.find("transformer.h") == 0 && n.find("symbol") != std::string::npos, false) << n;
  EXPECT_TRUE(model.lm_head.weight.same_as(model.transformer.wte.weight));
  EXPECT_EQ(model.block(0).ff.fc1->weight.shape(), (Shape{32, 8}));
  EXPECT_EQ(model.block(0).dual_attn.head_dim, 4);
  std::vector<DualAttentionWeights> w;
  Var logits = model.forward(tokens(3, 5, 7, rng), &w);
  EXPECT_EQ(logits.shape(), (Shape{3, 5, 7}));
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[1].sa.shape(), (Shape{3, 1, 5, 5}));
  EXPECT_EQ(w[1].ra.shape(), (Shape{3, 1, 5, 5}));
  EXPECT_EQ(model.type_name(), "DATLM");
  EXPECT_EQ(model.block_size(), 6);
  // SwiGLU: dff = ⌊8d/3⌋ = 21, three bias-free matrices.
  DATLM swiglu(tiny(DATSymbols::symbolic, false, true), rng);
  EXPECT_EQ(swiglu.block(1).ff.w3->weight.shape(), (Shape{21, 8}));
  EXPECT_FALSE(swiglu.block(1).ff.w2->bias.defined());
  EXPECT_EQ(swiglu.forward(tokens(2, 6, 7, rng)).shape(), (Shape{2, 6, 7}));
  // Positional and relative retrievers have their own tables.
  EXPECT_TRUE(has_name(names_of(DATLM(tiny(DATSymbols::positional), rng)), "symbol_retriever.symbol_library"));
  DATLM relative(tiny(DATSymbols::relative), rng);
  EXPECT_TRUE(relative.symbol_retriever()->relative());
  EXPECT_TRUE(relative.block(0).dual_attn.relational_attention->config.relative_symbols);
  Tape::current().clear();
}

TEST(DATLM, CausalForEveryRetrieverNormOrderAndPositions) {
  for (DATSymbols s : {DATSymbols::symbolic, DATSymbols::positional, DATSymbols::relative})
    for (bool post : {false, true})
      for (bool rope : {false, true}) {
        SCOPED_TRACE(std::string(dat_symbols_name(s)) + (post ? " post-norm" : " pre-norm") + (rope ? " rope" : ""));
        Rng rng(2);
        DATLM model(tiny(s, post, post, rope), rng);
        const Tensor a = tokens(2, 6, 7, rng);
        NoGrad no_grad;
        const Tensor la = model.forward(a).value();
        for (int64_t j = 1; j < 6; ++j) {
          Tensor b = a.clone();
          b[j] = real((int64_t(a[j]) + 1) % 7);  // change token j of the first sequence
          const Tensor lb = model.forward(b).value();
          for (int64_t k = 0; k < j * 7; ++k) EXPECT_EQ(la[k], lb[k]) << "j=" << j << " k=" << k;  // positions i < j
          double changed = 0;  // and position j itself does see it
          for (int64_t v = 0; v < 7; ++v) changed = std::max(changed, double(std::fabs(la[j * 7 + v] - lb[j * 7 + v])));
          EXPECT_GT(changed, 0) << "j=" << j;
        }
      }
}

TEST(DATLM, GradcheckEveryParameter) {
  for (DATSymbols s : {DATSymbols::symbolic, DATSymbols::positional, DATSymbols::relative}) {
    const bool other = s != DATSymbols::symbolic;  // post-norm and SwiGLU on the other two
    Rng rng(3);
    DATLM model({.vocab = 5,
                 .block = 4,
                 .n_layer = 2,
                 .d_model = 4,
                 .n_heads_sa = 1,
                 .n_heads_ra = 1,
                 .symbols = s,
                 .n_symbols = 2,
                 .max_rel_pos = 2,
                 .post_norm = other,
                 .swiglu = other,
                 .rope = s == DATSymbols::relative},  // RoPE's backward too
                rng);
    const Tensor idx = tokens(2, 4, 5, rng), targets = tokens(2, 4, 5, rng);
    const auto params = model.parameters();
    const auto r = gradcheck([&](const std::vector<Var>&) { return model.loss(idx, targets); }, params);
    EXPECT_TRUE(r.ok) << dat_symbols_name(s) << ": " << r.report;
  }
}

// With n_ra = 0 only the SA branch runs, so the model is a pre-norm GPT: copy its weights into
// models/gpt.h's GPT (q|k|v stacked into c_attn) and the logits agree.
TEST(DATLM, WithoutRelationalHeadsItIsAGPT) {
  Rng rng(4);
  DATLM dat({.vocab = 7, .block = 6, .n_layer = 2, .d_model = 8, .n_heads_sa = 2, .n_heads_ra = 0}, rng);
  EXPECT_EQ(dat.symbol_retriever(), nullptr);
  for (const auto& n : names_of(dat)) {
    EXPECT_EQ(n.find("relational"), std::string::npos) << n;
    EXPECT_EQ(n.find("symbol"), std::string::npos) << n;
  }
  EXPECT_EQ(dat.block(0).dual_attn.relational_attention, nullptr);
  GPT gpt({.vocab = 7, .block = 6, .n_layer = 2, .n_head = 2, .d_model = 8}, rng);
  StateDict d = dat.state_dict(), g = gpt.state_dict();
  for (const char* n :
       {"transformer.wte.weight", "transformer.wpe.weight", "transformer.ln_f.weight", "transformer.ln_f.bias"})
    g[n] = d.at(n);
  g["lm_head.weight"] = d.at("transformer.wte.weight");  // tied in both
  for (int i = 0; i < 2; ++i) {
    const std::string dp = "transformer.h." + std::to_string(i) + ".", sa = dp + "dual_attn.self_attention.";
    g[dp + "ln_1.weight"] = d.at(dp + "norm1.weight");
    g[dp + "ln_1.bias"] = d.at(dp + "norm1.bias");
    g[dp + "ln_2.weight"] = d.at(dp + "norm2.weight");
    g[dp + "ln_2.bias"] = d.at(dp + "norm2.bias");
    Tensor qkv({24, 8});
    const char* parts[] = {"wq", "wk", "wv"};
    for (int p = 0; p < 3; ++p) {
      const Tensor& w = d.at(sa + parts[p] + ".weight");
      for (int64_t k = 0; k < 64; ++k) qkv[p * 64 + k] = w[k];
    }
    g[dp + "attn.c_attn.weight"] = qkv;
    g[dp + "attn.c_attn.bias"] = Tensor::zeros({24});
    g[dp + "attn.c_proj.weight"] = d.at(sa + "wo.weight");
    g[dp + "attn.c_proj.bias"] = Tensor::zeros({8});
    g[dp + "mlp.c_fc.weight"] = d.at(dp + "ff.fc1.weight");
    g[dp + "mlp.c_fc.bias"] = d.at(dp + "ff.fc1.bias");
    g[dp + "mlp.c_proj.weight"] = d.at(dp + "ff.fc2.weight");
    g[dp + "mlp.c_proj.bias"] = d.at(dp + "ff.fc2.bias");
  }
  gpt.load_state_dict(g);
  const Tensor idx = tokens(2, 6, 7, rng);
  NoGrad no_grad;
  const Tensor a = dat.forward(idx).value(), b = gpt.forward(idx).value();
  ASSERT_EQ(a.shape(), b.shape());
  for (int64_t i = 0; i < a.numel(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5) << i;
}

TEST(DATLM, SpecInit) {
  Rng rng(5);
  DATLM model({.vocab = 50, .block = 16, .n_layer = 8, .d_model = 64, .n_heads_sa = 2, .n_heads_ra = 2}, rng);
  auto std_of = [](const Tensor& t) {
    double s = 0;
    for (real v : t) s += double(v) * double(v);
    return std::sqrt(s / double(t.numel()));
  };
  const double residual = 0.02 / std::sqrt(16.0);  // 0.005
  DATBlock& b = model.block(3);
  RelationalAttention& ra = *b.dual_attn.relational_attention;
  SensoryAttention& sa = *b.dual_attn.self_attention;
  for (const Tensor* t : {&sa.wq.weight.value(), &ra.wq_attn.weight.value(), &ra.wv.weight.value(),
                          &ra.wq_rel.weight.value(), &b.ff.fc1->weight.value(), &model.transformer.wte.weight.value()})
    EXPECT_NEAR(std_of(*t), 0.02, 0.002);
  EXPECT_NEAR(std_of(ra.wr.value()), 0.02, 0.004);  // only 2·32·2 = 128 numbers
  for (const Tensor* t : {&sa.wo.weight.value(), &ra.wo.weight.value(), &b.ff.fc2->weight.value()})
    EXPECT_NEAR(std_of(*t), residual, 0.0006);
  EXPECT_EQ(std_of(b.ff.fc1->bias.value()), 0);
  auto& symbolic = dynamic_cast<SymbolicAttention&>(*model.symbol_retriever());
  EXPECT_NEAR(std_of(symbolic.q_proj.weight.value()), 0.02, 0.002);
  EXPECT_NEAR(std_of(symbolic.template_features.value()), 1.0, 0.1);  // N(0, 1), as upstream
}

TEST(DATLM, BadConfigAndInput) {
  Rng rng(6);
  auto expect_error = [&](DATConfig c, const std::string& part) {
    try {
      DATLM m(c, rng);
      ADD_FAILURE() << "no error for " << part;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expect_error({.d_model = 8, .n_heads_sa = 2, .n_heads_ra = 1}, "dividing d_model");
  expect_error({.d_model = 8, .n_heads_sa = 0, .n_heads_ra = 0}, "n_heads_sa + n_heads_ra >= 1");
  expect_error({.n_layer = 0}, "n_layer=0");
  expect_error({.n_heads_sa = -1, .n_heads_ra = 5}, "n_heads_sa=-1");
  expect_error({.symbol_heads = 3}, "symbol_heads=3");
  expect_error({.vocab = 0}, "vocab");
  EXPECT_THROW(dat_symbols_from_name("learned", "test"), Error);
  EXPECT_EQ(dat_symbols_from_name("relative", "test"), DATSymbols::relative);
  DATLM model(tiny(), rng);
  try {
    model.forward(Tensor::zeros({1, 7}));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "DATLM: sequence of length 7 is longer than the block size 6");
  }
  EXPECT_THROW(model.forward(Tensor::full({1, 3}, 7)), Error);
  EXPECT_THROW(model.loss(Tensor::zeros({1, 3}), Tensor::zeros({1, 4})), Error);
  // RoPE: an even head_dim, the language model only; the same input checks without wpe.
  expect_error({.d_model = 6, .n_heads_sa = 1, .n_heads_ra = 1, .rope = true}, "DATLM: RoPE turns pairs");
  DATLM rope(tiny(DATSymbols::symbolic, false, false, true), rng);
  try {
    rope.forward(Tensor::zeros({1, 7}));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "DATLM: sequence of length 7 is longer than the block size 6");
  }
  EXPECT_THROW(rope.forward(Tensor::full({1, 3}, 7)), Error);
  EXPECT_THROW(rope.forward(Tensor::full({1, 3}, 0.5f)), Error);
  DATSeq2SeqConfig s2s;
  s2s.block.rope = true;
  try {
    DATSeq2Seq m(s2s, rng);
    ADD_FAILURE() << "no error for rope in the seq2seq model";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("DATSeq2Seq: rope"), std::string::npos) << e.what();
  }
  Tape::current().clear();
}

TEST(DATLM, RopeHasNoPositionTableAndRotatesBothBranches) {
  Rng rng(7);
  DATLM rope(tiny(DATSymbols::symbolic, false, false, true), rng), learned(tiny(), rng);
  for (const auto& n : names_of(rope)) EXPECT_EQ(n.find("wpe"), std::string::npos) << n;
  EXPECT_EQ(learned.num_parameters() - rope.num_parameters(), 6 * 8);  // the block × d_model table
  EXPECT_FALSE(rope.learned_positions());
  EXPECT_TRUE(learned.learned_positions());
  for (int64_t i = 0; i < 2; ++i) {
    DualAttention& da = rope.block(i).dual_attn;
    EXPECT_NE(da.self_attention->rotary, nullptr);
    EXPECT_NE(da.relational_attention->rotary, nullptr);
    EXPECT_EQ(learned.block(i).dual_attn.self_attention->rotary, nullptr);
  }
  EXPECT_EQ(rope.forward(tokens(2, 6, 7, rng)).shape(), (Shape{2, 6, 7}));
  // Its state dict loads into another RoPE model, not into one with learned positions.
  Rng other(9);
  DATLM copy(tiny(DATSymbols::symbolic, false, false, true), other);
  copy.load_state_dict(rope.state_dict());
  EXPECT_THROW(learned.load_state_dict(rope.state_dict()), Error);
  Tape::current().clear();
}

// Block 0 of x and of y = [c, x] (one token put in front); its input is the token embeddings
// alone. With RoPE the score of (i + 1, j + 1) in y is that of (i, j) in x, so within a row the
// weights keep their ratios (log α_ij − log α_ii; y's row only has one more key to share with);
// RoPE leaves the relations alone, so R_ij compares the two tokens and is equal outright. With
// learned positions both change: the shift is something that model sees.
struct ShiftChange {
  double scores = 0, relations = 0;  // the largest change between x and the shifted y
};

ShiftChange shift_change(bool rope) {
  Rng rng(4);
  DATLM model({.vocab = 7, .block = 8, .n_layer = 1, .d_model = 8, .n_heads_sa = 1, .n_heads_ra = 1, .rope = rope},
              rng);
  const int64_t T = 6, Ty = T + 1;
  const Tensor x = tokens(1, T, 7, rng);
  Tensor y({1, Ty});
  y[0] = 3;
  for (int64_t t = 0; t < T; ++t) y[t + 1] = x[t];
  NoGrad no_grad;
  std::vector<DualAttentionWeights> wx, wy;
  model.forward(x, &wx);
  model.forward(y, &wy);
  ShiftChange d;
  for (const auto& [ax, ay] : {std::pair{wx[0].sa.value(), wy[0].sa.value()}, {wx[0].ra.value(), wy[0].ra.value()}})
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j <= i; ++j) {
        const double in_x = std::log(double(ax[i * T + j])) - std::log(double(ax[i * T + i]));
        const double in_y = std::log(double(ay[(i + 1) * Ty + j + 1])) - std::log(double(ay[(i + 1) * Ty + i + 1]));
        d.scores = std::max(d.scores, std::fabs(in_x - in_y));
      }
  const Tensor rx = wx[0].relations.value(), ry = wy[0].relations.value();  // [1, n_r = 1, n, n]
  for (int64_t i = 0; i < T; ++i)
    for (int64_t j = 0; j < T; ++j)
      d.relations = std::max(d.relations, double(std::fabs(rx[i * T + j] - ry[(i + 1) * Ty + j + 1])));
  return d;
}

TEST(DATLM, RopeScoresDependOnTheOffsetAndRelationsOnTheTokens) {
  const ShiftChange rope = shift_change(true), learned = shift_change(false);
  EXPECT_LT(rope.scores, 1e-4);
  EXPECT_LT(rope.relations, 1e-5);
  EXPECT_GT(learned.scores, 1e-2);  // the check can fail: absolute positions break it
  EXPECT_GT(learned.relations, 1e-3);
}

}  // namespace
}  // namespace atn
