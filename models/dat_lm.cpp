#include "models/dat_lm.h"

#include <algorithm>

#include "autograd/ops_basic.h"
#include "nn/init.h"
#include "nn/linear_init.h"

namespace atn {

DATConfig validated_dat_config(DATConfig c, const std::string& who) {
  const int64_t heads = c.n_heads_sa + c.n_heads_ra;
  if (c.n_layer < 1 || c.n_heads_sa < 0 || c.n_heads_ra < 0 || heads < 1 || c.d_model % heads != 0)
    fail(who, ": need n_layer >= 1 and n_heads_sa + n_heads_ra >= 1 dividing d_model, got n_layer=", c.n_layer,
         " n_heads_sa=", c.n_heads_sa, " n_heads_ra=", c.n_heads_ra, " d_model=", c.d_model);
  if (c.n_relations < 0 || c.n_symbols < 0 || c.max_rel_pos < 0)
    fail(who, ": n_relations, n_symbols and max_rel_pos must be >= 0 (0 = the default), got ", c.n_relations, ", ",
         c.n_symbols, ", ", c.max_rel_pos);
  if (c.symbol_heads < 1 || c.d_model % c.symbol_heads != 0)
    fail(who, ": symbol_heads=", c.symbol_heads, " must be positive and divide d_model=", c.d_model);
  if (c.rope && (c.d_model / heads) % 2 != 0)
    fail(who, ": RoPE turns pairs of coordinates, so it needs an even head_dim = d_model / (n_heads_sa + n_heads_ra), ",
         "got ", c.d_model, " / ", heads, " = ", c.d_model / heads);
  if (c.n_symbols == 0) c.n_symbols = c.block;
  if (c.max_rel_pos == 0) c.max_rel_pos = std::max<int64_t>(1, c.block - 1);
  return c;
}

namespace {

FeedForwardOptions ff_options(const DATConfig& c) {
  return {.activation = c.swiglu ? FeedForwardActivation::SwiGLU : FeedForwardActivation::Gelu, .bias = !c.swiglu};
}

// dff = 4d, or 8d/3 for SwiGLU (its third matrix keeps the parameter count of the 4d block).
int64_t ff_width(const DATConfig& c) { return c.swiglu ? 8 * c.d_model / 3 : 4 * c.d_model; }

}  // namespace

std::unique_ptr<SymbolRetriever> make_dat_retriever(const DATConfig& c, Rng& rng) {
  if (c.n_heads_ra == 0) return nullptr;  // (c already validated)
  switch (c.symbols) {
    case DATSymbols::symbolic:
      return std::make_unique<SymbolicAttention>(
          SymbolicAttentionConfig{.d_model = c.d_model, .n_heads = c.symbol_heads, .n_symbols = c.n_symbols}, rng);
    case DATSymbols::positional:
      return std::make_unique<PositionalSymbols>(c.block, c.d_model, rng);
    case DATSymbols::relative:
      return std::make_unique<PositionRelativeSymbols>(c.max_rel_pos, c.d_model, rng);
  }
  fail("DATLM: unknown symbol retriever");
}

void init_dat_block(DATBlock& b, Rng& rng, int64_t n_layers) {
  const real residual_std = gpt2_residual_std(n_layers);
  if (SensoryAttention* sa = b.dual_attn.self_attention.get()) {
    for (Linear* l : {&sa->wq, &sa->wk, &sa->wv}) init_normal_linear(*l, rng, 0.02f);
    init_normal_linear(sa->wo, rng, residual_std);
  }
  if (RelationalAttention* ra = b.dual_attn.relational_attention.get()) {
    for (Linear* l : {&ra->wq_attn, &ra->wk_attn, &ra->wq_rel, &ra->wv}) init_normal_linear(*l, rng, 0.02f);
    if (ra->wk_rel) init_normal_linear(*ra->wk_rel, rng, 0.02f);
    init::normal(ra->wr.value(), rng, 0, 0.02f);
    init_normal_linear(ra->wo, rng, residual_std);
  }
  FeedForward& ff = b.ff;
  const bool swiglu = ff.w1 != nullptr;
  init_normal_linear(swiglu ? *ff.w1 : *ff.fc1, rng, 0.02f);
  if (swiglu) init_normal_linear(*ff.w3, rng, 0.02f);
  init_normal_linear(swiglu ? *ff.w2 : *ff.fc2, rng, residual_std);
}

void init_dat_retriever(SymbolRetriever* retriever, Rng& rng) {
  if (auto* symbolic = dynamic_cast<SymbolicAttention*>(retriever)) init_normal_linear(symbolic->q_proj, rng, 0.02f);
  if (auto* positional = dynamic_cast<PositionalSymbols*>(retriever))
    init::normal(positional->symbol_library.value(), rng, 0, 0.02f);  // an nn.Embedding upstream
}

const char* dat_symbols_name(DATSymbols s) {
  switch (s) {
    case DATSymbols::symbolic:
      return "symbolic";
    case DATSymbols::positional:
      return "positional";
    case DATSymbols::relative:
      return "relative";
  }
  return "?";
}

DATSymbols dat_symbols_from_name(const std::string& name, const std::string& who) {
  for (DATSymbols s : {DATSymbols::symbolic, DATSymbols::positional, DATSymbols::relative})
    if (name == dat_symbols_name(s)) return s;
  fail(who, ": unknown symbol retriever '", name, "' (symbolic, positional or relative)");
}

DATBlock::DATBlock(const DATConfig& c, Rng& rng, bool causal)
    : post_norm(c.post_norm),
      norm1(c.d_model, true),
      dual_attn({.d_model = c.d_model,
                 .n_heads_sa = c.n_heads_sa,
                 .n_heads_ra = c.n_heads_ra,
                 .n_relations = c.n_relations,
                 .relative_symbols = c.symbols == DATSymbols::relative,
                 .causal = causal,
                 .rope = c.rope},
                rng),
      norm2(c.d_model, true),
      ff(c.d_model, ff_width(c), rng, ff_options(c)) {
  register_module("norm1", norm1);
  register_module("dual_attn", dual_attn);
  register_module("norm2", norm2);
  register_module("ff", ff);
}

Var DATBlock::forward(const Var& x, const Var& symbols, DualAttentionWeights* weights) {
  if (post_norm) {
    Var y = norm1(x + dual_attn.forward(x, symbols, Tensor(), weights));
    return norm2(y + ff(y));
  }
  Var y = x + dual_attn.forward(norm1(x), symbols, Tensor(), weights);
  return y + ff(norm2(y));
}

DATLM::DATLM(const DATConfig& c, Rng& rng)
    : BlockGPT({.vocab = c.vocab, .block = c.block, .d_model = c.d_model, .learned_positions = !c.rope}, "DATLM", rng),
      cfg_(validated_dat_config(c, "DATLM")),
      h(cfg_.n_layer, cfg_, rng),
      retriever_(make_dat_retriever(cfg_, rng)) {
  transformer.add_blocks(h);
  if (retriever_) register_module("symbol_retriever", *retriever_);
  // The spec's init (the embeddings already have N(0, 0.02) from BlockGPT; with rope there is no wpe).
  for (int64_t i = 0; i < cfg_.n_layer; ++i) init_dat_block(h[i], rng, cfg_.n_layer);
  init_dat_retriever(retriever_.get(), rng);
}

Var DATLM::run(const Var& x, std::vector<DualAttentionWeights>* weights) {
  if (weights) weights->assign(size_t(h.size()), {});
  Var y = x;
  for (int64_t i = 0; i < h.size(); ++i) {
    // The shared retriever reads this block's input, before any norm (upstream does the same).
    const Var symbols = retriever_ ? retriever_->forward(y) : Var();
    y = h[i].forward(y, symbols, weights ? &(*weights)[size_t(i)] : nullptr);
  }
  return y;
}

Var DATLM::forward(const Tensor& idx, std::vector<DualAttentionWeights>* weights) {
  if (!weights) return forward(idx);
  return head(run(embed(idx), weights));
}

}  // namespace atn
