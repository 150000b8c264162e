#include "models/natural_gpt.h"

#include <set>

#include "autograd/ops_basic.h"

namespace atn {

namespace {

const NaturalGPTConfig& validated(const NaturalGPTConfig& c) {
  if (c.n_layer < 1 || c.n_head < 1 || c.d_model % c.n_head != 0)
    fail("NaturalGPT: need n_layer >= 1 and n_head >= 1 dividing d_model, got n_layer=", c.n_layer,
         " n_head=", c.n_head, " d_model=", c.d_model);
  return c;
}

}  // namespace

NaturalBlock::NaturalBlock(const NaturalGPTConfig& c, Rng& rng)
    : PreNormAttentionBlock(c.d_model, c.n_head,
                            NaturalAttentionConfig{.d_model = c.d_model, .n_heads = c.n_head, .leaky = c.leaky}, rng) {}

NaturalGPT::NaturalGPT(const NaturalGPTConfig& c, Rng& rng)
    : BlockGPT({.vocab = c.vocab, .block = c.block, .d_model = c.d_model}, "NaturalGPT", rng),
      cfg_(validated(c)),
      h(c.n_layer, c, rng) {
  transformer.add_blocks(h);
  if (cfg_.gpt2_init)
    for (int64_t i = 0; i < cfg_.n_layer; ++i) h[i].init_gpt2(rng, cfg_.n_layer);
}

Var NaturalGPT::run_blocks(const Var& x) { return run_blocks_in_turn(h, x); }

Var NaturalGPT::forward(const Tensor& idx, std::vector<Tensor>* weights) {
  if (!weights) return forward(idx);
  return head(run_blocks_in_turn(h, embed(idx), weights));
}

std::vector<EnergyGroup> NaturalGPT::energy_groups() {
  std::vector<EnergyGroup> groups;
  for (int64_t i = 0; i < h.size(); ++i)
    groups.push_back({"transformer.h." + std::to_string(i), h[i].parameters(), h[i].attn.energy_source()});
  return groups;
}

std::vector<Var> NaturalGPT::ungrouped_parameters() {
  std::set<const Node*> grouped;
  for (int64_t i = 0; i < h.size(); ++i)
    for (const Var& p : h[i].parameters()) grouped.insert(p.node());
  std::vector<Var> rest;
  for (const Var& p : parameters())
    if (!grouped.count(p.node())) rest.push_back(p);
  return rest;
}

}  // namespace atn
