#include "models/natural_gpt.h"

#include <cmath>
#include <set>

#include "autograd/ops_basic.h"
#include "nn/init.h"

namespace atn {

namespace {

const NaturalGPTConfig& validated(const NaturalGPTConfig& c) {
  if (c.n_layer < 1 || c.n_head < 1 || c.d_model % c.n_head != 0)
    fail("NaturalGPT: need n_layer >= 1 and n_head >= 1 dividing d_model, got n_layer=", c.n_layer,
         " n_head=", c.n_head, " d_model=", c.d_model);
  return c;
}

PreNormBlockConfig mlp_config(const NaturalGPTConfig& c) {
  return {.d_model = c.d_model, .n_head = c.n_head, .dropout = 0, .bias = true, .causal = true};
}

}  // namespace

NaturalBlock::NaturalBlock(const NaturalGPTConfig& c, Rng& rng)
    : ln_1(c.d_model, true),
      attn({.d_model = c.d_model, .n_heads = c.n_head, .leaky = c.leaky}, rng),
      ln_2(c.d_model, true),
      mlp(mlp_config(c), rng) {
  register_module("ln_1", ln_1);
  register_module("attn", attn);
  register_module("ln_2", ln_2);
  register_module("mlp", mlp);
}

Var NaturalBlock::forward(const Var& x, Var* weights) {
  Var y = x + attn.forward(ln_1(x), weights);
  return y + mlp(ln_2(y));
}

NaturalGPT::NaturalGPT(const NaturalGPTConfig& c, Rng& rng)
    : BlockGPT({.vocab = c.vocab, .block = c.block, .d_model = c.d_model}, "NaturalGPT", rng),
      cfg_(validated(c)),
      h(c.n_layer, c, rng) {
  transformer.add_blocks(h);
  if (cfg_.gpt2_init) {
    const real residual_std = 0.02f / std::sqrt(real(2 * cfg_.n_layer));
    for (int64_t i = 0; i < cfg_.n_layer; ++i) {
      NaturalBlock& b = h[i];
      for (Linear* l : {&b.attn.wq, &b.attn.wk, &b.attn.wv, &b.attn.wo, &b.mlp.c_fc, &b.mlp.c_proj}) {
        const bool residual = l == &b.attn.wo || l == &b.mlp.c_proj;
        init::normal(l->weight.value(), rng, 0, residual ? residual_std : 0.02f);
        init::zeros(l->bias.value());
      }
    }
  }
}

Var NaturalGPT::run_blocks(const Var& x) {
  Var y = x;
  for (int64_t i = 0; i < h.size(); ++i) y = h[i].forward(y);
  return y;
}

Var NaturalGPT::forward(const Tensor& idx, std::vector<Tensor>* weights) {
  if (!weights) return forward(idx);
  weights->clear();
  Var y = embed(idx);
  for (int64_t i = 0; i < h.size(); ++i) {
    Var a;
    y = h[i].forward(y, &a);
    weights->push_back(a.value());
  }
  return head(y);
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
