#include "models/block_gpt.h"

#include "nn/init.h"

namespace atn {

namespace {

const BlockGPTSizes& validated(const BlockGPTSizes& s, const std::string& who) {
  if (s.vocab < 1 || s.block < 1 || s.d_model < 1)
    fail(who, ": vocab, block and d_model must be positive, got vocab=", s.vocab, " block=", s.block,
         " d_model=", s.d_model);
  return s;
}

}  // namespace

BlockGPT::Transformer::Transformer(const BlockGPTSizes& s, Rng& rng)
    : wte(s.vocab, s.d_model, rng), wpe(s.block, s.d_model, rng), ln_f(s.d_model, true) {
  register_module("wte", wte);
  if (s.learned_positions) register_module("wpe", wpe);
  register_module("ln_f", ln_f);
}

BlockGPT::BlockGPT(const BlockGPTSizes& sizes, const std::string& who, Rng& rng)
    : transformer(validated(sizes, who), rng),
      lm_head(sizes.d_model, sizes.vocab, rng, false),
      sizes_(sizes),
      who_(who) {
  register_module("transformer", transformer);
  register_module("lm_head", lm_head);
  lm_head.weight = transformer.wte.weight;  // tied, as in GPT: one parameter
  init::gpt2(transformer.wte.weight.value(), rng);
  if (sizes.learned_positions) init::gpt2(transformer.wpe.weight.value(), rng);
}

Var BlockGPT::embed(const Tensor& idx) {
  if (sizes_.learned_positions) return embed_tokens(transformer.wte, transformer.wpe, idx, 0, who_);
  check_token_ids(idx, 0, sizes_.block, sizes_.vocab, who_);
  return transformer.wte(idx);
}

}  // namespace atn
