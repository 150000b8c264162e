// DATSeq2Seq (models/dat_seq2seq.h): shapes, the decoder's depth and the tying flag honoured
// (upstream's two bugs), a causal decoder over a non-causal encoder, a gradcheck of every
// parameter and errors.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/tape.h"
#include "models/dat_seq2seq.h"
#include "test_util.h"

namespace atn {
namespace {

DATSeq2SeqConfig tiny(int64_t dec_layers = 2, bool tie = false, DATSymbols s = DATSymbols::symbolic,
                      bool post = false) {
  return {.src_vocab = 6,
          .tgt_vocab = 5,
          .max_len = 6,
          .n_layers_enc = 1,
          .n_layers_dec = dec_layers,
          .block = {.d_model = 8, .n_heads_sa = 1, .n_heads_ra = 1, .symbols = s, .n_symbols = 3, .post_norm = post},
          .tie_embeddings = tie};
}

Tensor tokens(int64_t B, int64_t T, int64_t V, Rng& rng) {
  Tensor idx({B, T});
  for (real& v : idx) v = real(rng.below(uint64_t(V)));
  return idx;
}

TEST(DATSeq2Seq, ShapesDepthAndTying) {
  Rng rng(1);
  DATSeq2Seq model(tiny(3, false), rng);
  EXPECT_EQ(model.n_encoder_blocks(), 1);
  EXPECT_EQ(model.n_decoder_blocks(), 3);  // upstream would build 1 (the encoder's depth)
  const auto names = testing_util::names_of(model);
  for (const char* n : {"decoder.2.cross_attn.wq.weight", "decoder.0.self_block.dual_attn.relational_attention.wr",
                        "encoder.0.dual_attn.self_attention.wq.weight", "symbol_retriever.template_features"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  EXPECT_FALSE(model.head.weight.same_as(model.tgt_embed.weight));
  Var logits = model.forward(tokens(2, 4, 6, rng), tokens(2, 5, 5, rng));
  EXPECT_EQ(logits.shape(), (Shape{2, 5, 5}));
  DATSeq2Seq tied(tiny(2, true), rng);
  EXPECT_TRUE(tied.head.weight.same_as(tied.tgt_embed.weight));  // upstream ignores the flag
  DATSeq2Seq untied(tiny(2, false), rng);
  EXPECT_EQ(untied.num_parameters() - tied.num_parameters(), 5 * 8);  // one [tgt_vocab, d] table fewer
  Tape::current().clear();
}

TEST(DATSeq2Seq, CausalDecoderOverWholeSource) {
  for (DATSymbols s : {DATSymbols::symbolic, DATSymbols::positional, DATSymbols::relative}) {
    Rng rng(2);
    DATSeq2Seq model(tiny(2, false, s, s == DATSymbols::relative), rng);
    const Tensor src = tokens(1, 5, 6, rng), tgt = tokens(1, 6, 5, rng);
    NoGrad no_grad;
    const Tensor base = model.forward(src, tgt).value();
    Tensor tgt2 = tgt.clone();
    tgt2[3] = real((int64_t(tgt[3]) + 1) % 5);
    const Tensor changed_tgt = model.forward(src, tgt2).value();
    for (int64_t k = 0; k < 3 * 5; ++k) EXPECT_EQ(base[k], changed_tgt[k]) << dat_symbols_name(s) << " " << k;
    double diff = 0;
    for (int64_t k = 3 * 5; k < 4 * 5; ++k) diff = std::max(diff, double(std::fabs(base[k] - changed_tgt[k])));
    EXPECT_GT(diff, 0);
    // The encoder sees the whole source: its last token changes the first target position.
    Tensor src2 = src.clone();
    src2[4] = real((int64_t(src[4]) + 1) % 6);
    const Tensor changed_src = model.forward(src2, tgt).value();
    diff = 0;
    for (int64_t k = 0; k < 5; ++k) diff = std::max(diff, double(std::fabs(base[k] - changed_src[k])));
    EXPECT_GT(diff, 0) << dat_symbols_name(s);
  }
}

TEST(DATSeq2Seq, GradcheckEveryParameter) {
  Rng rng(3);
  DATSeq2SeqConfig c = tiny(1, true);
  c.block.d_model = 4;
  c.block.n_symbols = 2;
  c.block.swiglu = true;
  DATSeq2Seq model(c, rng);
  const Tensor src = tokens(2, 3, 6, rng), tgt = tokens(2, 3, 5, rng), w = Tensor::randn({2, 3, 5}, rng);
  const auto r = gradcheck([&](const std::vector<Var>&) { return sum(model.forward(src, tgt) * constant(w)); },
                           model.parameters());
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(DATSeq2Seq, BadConfigAndInput) {
  Rng rng(4);
  DATSeq2SeqConfig c = tiny();
  c.n_layers_dec = 0;
  EXPECT_THROW(DATSeq2Seq(c, rng), Error);
  c = tiny();
  c.block.n_heads_sa = 2;  // 3 heads do not divide 8
  try {
    DATSeq2Seq m(c, rng);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("DATSeq2Seq: need"), std::string::npos) << e.what();
  }
  DATSeq2Seq model(tiny(), rng);
  EXPECT_THROW(model.forward(Tensor::zeros({1, 7}), Tensor::zeros({1, 2})), Error);               // longer than max_len
  EXPECT_THROW(model.forward(Tensor::full({1, 2}, 6), Tensor::zeros({1, 2})), Error);             // source id 6 ≥ 6
  EXPECT_THROW(model.forward(Tensor::zeros({1, 2}), Tensor::full({1, 2}, 5)), Error);             // target id 5 ≥ 5
  EXPECT_THROW(model.decode(Tensor::zeros({2, 2}), model.encode(Tensor::zeros({1, 2}))), Error);  // batch mismatch
  Tape::current().clear();
}

}  // namespace
}  // namespace atn
