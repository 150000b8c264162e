// DATLM with RoPE (models/dat_lm.h, `rope`): no position table, RoPE in the attention of both
// branches, causal, gradchecked, and the relative-shift property: in the first block (whose input
// is the token embeddings alone) the attention scores depend on positions only through j − i,
// while the relations, which RoPE does not touch, depend on the tokens alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "models/dat_lm.h"
#include "models/dat_seq2seq.h"
#include "test_util.h"

namespace atn {
namespace {

using testing_util::names_of;

DATConfig tiny_rope(DATSymbols symbols = DATSymbols::symbolic, bool post_norm = false, bool rope = true) {
  return {.vocab = 7,
          .block = 6,
          .n_layer = 2,
          .d_model = 8,
          .n_heads_sa = 1,
          .n_heads_ra = 1,
          .symbols = symbols,
          .n_symbols = 3,
          .max_rel_pos = 2,
          .post_norm = post_norm,
          .rope = rope};
}

Tensor tokens(int64_t B, int64_t T, int64_t V, Rng& rng) {
  Tensor idx({B, T});
  for (real& v : idx) v = real(rng.below(uint64_t(V)));
  return idx;
}

TEST(DATLMRope, NoPositionTableAndRopeInBothBranches) {
  Rng rng(1);
  DATLM rope(tiny_rope(), rng);
  DATLM learned(tiny_rope(DATSymbols::symbolic, false, false), rng);
  for (const auto& n : names_of(rope)) EXPECT_EQ(n.find("wpe"), std::string::npos) << n;
  EXPECT_EQ(rope.state_dict().count("transformer.wpe.weight"), 0u);
  EXPECT_EQ(learned.state_dict().count("transformer.wpe.weight"), 1u);
  // The same model but for the block × d_model table of learned positions.
  EXPECT_EQ(learned.num_parameters() - rope.num_parameters(), 6 * 8);
  EXPECT_FALSE(rope.learned_positions());
  EXPECT_TRUE(learned.learned_positions());
  for (int64_t i = 0; i < 2; ++i) {
    DualAttention& da = rope.block(i).dual_attn;
    EXPECT_TRUE(da.config.rope);
    ASSERT_NE(da.self_attention->rotary, nullptr);
    ASSERT_NE(da.relational_attention->rotary, nullptr);
    EXPECT_EQ(learned.block(i).dual_attn.self_attention->rotary, nullptr);
  }
  EXPECT_NE(rope.block(0).dual_attn.type_name().find("rope"), std::string::npos);
  EXPECT_EQ(rope.forward(tokens(2, 6, 7, rng)).shape(), (Shape{2, 6, 7}));
  // A state dict of the RoPE model loads into another RoPE model, not into the learned one.
  Rng other(9);
  DATLM copy(tiny_rope(), other);
  copy.load_state_dict(rope.state_dict());
  EXPECT_THROW(learned.load_state_dict(rope.state_dict()), Error);
  Tape::current().clear();
}

TEST(DATLMRope, CausalForEveryRetrieverAndNormOrder) {
  for (DATSymbols s : {DATSymbols::symbolic, DATSymbols::positional, DATSymbols::relative})
    for (bool post : {false, true}) {
      Rng rng(2);
      DATLM model(tiny_rope(s, post), rng);
      const Tensor a = tokens(2, 6, 7, rng);
      NoGrad no_grad;
      const Tensor la = model.forward(a).value();
      for (int64_t j = 1; j < 6; ++j) {
        Tensor b = a.clone();
        b[j] = real((int64_t(a[j]) + 1) % 7);  // change token j of the first sequence
        const Tensor lb = model.forward(b).value();
        for (int64_t k = 0; k < j * 7; ++k)  // every logit of the positions i < j
          EXPECT_EQ(la[k], lb[k]) << dat_symbols_name(s) << " post=" << post << " j=" << j << " k=" << k;
        double changed = 0;  // and position j itself does see it
        for (int64_t v = 0; v < 7; ++v) changed = std::max(changed, double(std::fabs(la[j * 7 + v] - lb[j * 7 + v])));
        EXPECT_GT(changed, 0) << dat_symbols_name(s) << " post=" << post << " j=" << j;
      }
    }
}

TEST(DATLMRope, GradcheckEveryParameter) {
  for (DATSymbols s : {DATSymbols::symbolic, DATSymbols::relative}) {
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
                 .swiglu = s == DATSymbols::relative,
                 .rope = true},
                rng);
    const Tensor idx = tokens(2, 4, 5, rng), targets = tokens(2, 4, 5, rng);
    const auto r = gradcheck([&](const std::vector<Var>&) { return model.loss(idx, targets); }, model.parameters());
    EXPECT_TRUE(r.ok) << dat_symbols_name(s) << ": " << r.report;
  }
}

// Block 0 of sequence x and of y = [c, x] (one token put in front). With RoPE the scores of the
// pair (i + 1, j + 1) in y equal those of (i, j) in x, so within a row the weights keep their
// ratios (log α_ij − log α_ii is the same; the row of y only has one more key to normalize over);
// the relations R_ij of RA compare contents and are equal outright. With learned positions the
// ratios change: the shift is something the model sees.
struct Shifted {
  double scores = 0, relations = 0;  // largest |difference| between x and the shifted y
};

Shifted shift_difference(bool rope) {
  Rng rng(4);
  DATLM model({.vocab = 7, .block = 8, .n_layer = 1, .d_model = 8, .n_heads_sa = 1, .n_heads_ra = 1, .rope = rope},
              rng);
  const int64_t T = 6;
  const Tensor x = tokens(1, T, 7, rng);
  Tensor y({1, T + 1});
  y[0] = 3;
  for (int64_t t = 0; t < T; ++t) y[t + 1] = x[t];
  NoGrad no_grad;
  std::vector<DualAttentionWeights> wx, wy;
  model.forward(x, &wx);
  model.forward(y, &wy);
  Shifted d;
  for (const auto& [ax, ay] : {std::pair{wx[0].sa.value(), wy[0].sa.value()}, {wx[0].ra.value(), wy[0].ra.value()}})
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j <= i; ++j) {
        const double in_x = std::log(double(ax[i * T + j])) - std::log(double(ax[i * T + i]));
        const int64_t Ty = T + 1;
        const double in_y = std::log(double(ay[(i + 1) * Ty + j + 1])) - std::log(double(ay[(i + 1) * Ty + i + 1]));
        d.scores = std::max(d.scores, std::fabs(in_x - in_y));
      }
  const Tensor rx = wx[0].relations.value(), ry = wy[0].relations.value();  // [1, n_r, n, n], n_r = 1
  for (int64_t i = 0; i < T; ++i)
    for (int64_t j = 0; j < T; ++j)
      d.relations = std::max(d.relations, double(std::fabs(rx[i * T + j] - ry[(i + 1) * (T + 1) + j + 1])));
  return d;
}

TEST(DATLMRope, AttentionDependsOnTheOffsetOnlyAndRelationsOnContentOnly) {
  const Shifted rope = shift_difference(true), learned = shift_difference(false);
  EXPECT_LT(rope.scores, 1e-4);
  EXPECT_GT(learned.scores, 1e-2);  // the check can fail: absolute positions break it
  EXPECT_LT(rope.relations, 1e-5);
  EXPECT_GT(learned.relations, 1e-3);  // wpe enters the relations' input too
}

TEST(DATLMRope, BadConfig) {
  Rng rng(5);
  try {
    DATLM m({.d_model = 6, .n_heads_sa = 1, .n_heads_ra = 1, .rope = true}, rng);  // head_dim 3
    ADD_FAILURE() << "no error for an odd head_dim";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("DATLM: RoPE"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("even head_dim"), std::string::npos) << e.what();
  }
  DATLM model(tiny_rope(), rng);
  try {
    model.forward(Tensor::zeros({1, 7}));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "DATLM: sequence of length 7 is longer than the block size 6");
  }
  EXPECT_THROW(model.forward(Tensor::full({1, 3}, 7)), Error);     // token id out of range
  EXPECT_THROW(model.forward(Tensor::full({1, 3}, 0.5f)), Error);  // not a whole number
  EXPECT_THROW(model.forward(Tensor::zeros({3})), Error);          // not [B, T]
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

}  // namespace
}  // namespace atn
