#include "models/adaptive_span_gpt.h"

#include <algorithm>
#include <cmath>

#include "autograd/ops_basic.h"

namespace atn {

namespace {

AdaptiveSpanGPTConfig validated(AdaptiveSpanGPTConfig c) {
  if (c.n_layer < 1 || c.n_head < 1 || c.d_model % c.n_head != 0)
    fail("AdaptiveSpanGPT: need n_layer >= 1 and n_head >= 1 dividing d_model, got n_layer=", c.n_layer,
         " n_head=", c.n_head, " d_model=", c.d_model);
  if (c.max_span < 0) fail("AdaptiveSpanGPT: max_span must be >= 0 (0: the block size), got ", c.max_span);
  if (!(c.span_loss >= 0) || std::isinf(c.span_loss))
    fail("AdaptiveSpanGPT: span_loss (lambda) must be finite and >= 0, got ", c.span_loss);
  if (c.max_span == 0) c.max_span = c.block;
  return c;
}

}  // namespace

AdaptiveSpanBlock::AdaptiveSpanBlock(const AdaptiveSpanGPTConfig& c, Rng& rng)
    : PreNormAttentionBlock(c.d_model, c.n_head,
                            AdaptiveSpanConfig{.d_model = c.d_model,
                                               .n_heads = c.n_head,
                                               .max_span = c.max_span,
                                               .ramp = c.ramp,
                                               .span_init = c.span_init},
                            rng) {}

AdaptiveSpanGPT::AdaptiveSpanGPT(const AdaptiveSpanGPTConfig& c, Rng& rng)
    : BlockGPT({.vocab = c.vocab, .block = c.block, .d_model = c.d_model}, "AdaptiveSpanGPT", rng),
      cfg_(validated(c)),
      h(cfg_.n_layer, cfg_, rng) {
  transformer.add_blocks(h);
  for (int64_t i = 0; i < cfg_.n_layer; ++i) h[i].init_gpt2(rng, cfg_.n_layer);
}

Var AdaptiveSpanGPT::run_blocks(const Var& x) { return run_blocks_in_turn(h, x); }

Var AdaptiveSpanGPT::forward(const Tensor& idx, std::vector<Tensor>* weights) {
  if (!weights) return forward(idx);
  return head(run_blocks_in_turn(h, embed(idx), weights));
}

Var AdaptiveSpanGPT::span_loss() {
  Var total = h[0].attn.span_loss(cfg_.span_loss);
  for (int64_t i = 1; i < h.size(); ++i) total = total + h[i].attn.span_loss(cfg_.span_loss);
  return total;
}

Var AdaptiveSpanGPT::training_loss(const Tensor& idx, const Tensor& targets) {
  Var ce = loss(idx, targets);
  return cfg_.span_loss > 0 ? ce + span_loss() : ce;
}

void AdaptiveSpanGPT::after_update() {
  for (int64_t i = 0; i < h.size(); ++i) h[i].attn.clamp_params();
}

std::vector<Tensor> AdaptiveSpanGPT::spans() {
  std::vector<Tensor> out;
  for (int64_t i = 0; i < h.size(); ++i) out.push_back(h[i].attn.spans());
  return out;
}

int64_t AdaptiveSpanGPT::keys_read(int64_t T) {
  if (T < 1) fail("AdaptiveSpanGPT::keys_read: T must be >= 1, got ", T);
  int64_t total = 0;
  for (int64_t l = 0; l < h.size(); ++l) {
    const int64_t W = h[l].attn.window(T);
    for (int64_t i = 0; i < T; ++i) total += std::min(i + 1, W);
  }
  return total;
}

}  // namespace atn
