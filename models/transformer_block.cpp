#include "models/transformer_block.h"

#include <cmath>
#include <limits>

#include "autograd/ops_basic.h"
#include "autograd/ops_dropout.h"
#include "autograd/ops_math.h"
#include "autograd/ops_norm.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "nn/attention/sdpa.h"
#include "nn/attention/sdpa_heads.h"
#include "nn/linear_init.h"
#include "tensor/elementwise.h"

namespace atn {

LayerNormOptionalBias::LayerNormOptionalBias(int64_t d, bool with_bias) : dim(d) {
  if (d < 1) fail("LayerNormOptionalBias: dim must be positive, got ", d);
  register_parameter("weight", weight, Tensor::ones({d}));
  if (with_bias) register_parameter("bias", bias, Tensor::zeros({d}));
}

Var LayerNormOptionalBias::forward(const Var& x) {
  if (x.dim() < 1 || x.size(-1) != dim)
    fail("LayerNormOptionalBias: input ", to_string(x.shape()), " is not [..., ", dim, "]");
  return layer_norm(x, weight, bias, 1e-5f);
}

std::string LayerNormOptionalBias::type_name() const {
  return "LayerNorm(" + std::to_string(dim) + (bias.defined() ? ")" : ", bias=false)");
}

namespace {

const PreNormBlockConfig& validated(const PreNormBlockConfig& c) {
  if (c.d_model < 1 || c.n_head < 1)
    fail("PreNormBlock: need d_model >= 1 and n_head >= 1, got d_model=", c.d_model, " n_head=", c.n_head);
  if (c.d_model % c.n_head != 0)
    fail("PreNormBlock: n_head=", c.n_head, " does not divide d_model=", c.d_model);
  if (!(c.dropout >= 0 && c.dropout < 1)) fail("PreNormBlock: dropout must be in [0, 1), got ", c.dropout);
  return c;
}

// [B, T, H·dh] → [B, H, T, dh]: each head becomes a batch of its own.
Var split_heads(const Var& x, int64_t heads) {
  return transpose(reshape(x, {x.size(0), x.size(1), heads, x.size(2) / heads}), 1, 2);
}

// [B, H, T, dh] → [B, T, H·dh].
Var merge_heads(const Var& x) { return reshape(transpose(x, 1, 2), {x.size(0), x.size(2), x.size(1) * x.size(3)}); }

// 1 where query i (at position past + i) may NOT attend to key j: the mask turned around, and
// the future if causal. Undefined when nothing is blocked. Broadcasts to [B, H, Tq, Tk].
Tensor blocked_positions(const Tensor& mask, bool causal, int64_t Tq, int64_t Tk) {
  Tensor blocked;
  if (mask.defined()) blocked = map(mask, [](real m) { return m == 0 ? real(1) : real(0); });
  if (causal) {
    const int64_t past = Tk - Tq;
    Tensor future({Tq, Tk});
    for (int64_t i = 0; i < Tq; ++i)
      for (int64_t j = past + i + 1; j < Tk; ++j) future[i * Tk + j] = 1;
    blocked = blocked.defined() ? maximum(blocked, future) : future;
  }
  return blocked;
}

}  // namespace

QKVSelfAttention::QKVSelfAttention(const PreNormBlockConfig& c, Rng& rng)
    : config(validated(c)),
      d_head(c.d_model / c.n_head),
      c_attn(c.d_model, 3 * c.d_model, rng, c.bias),
      c_proj(c.d_model, c.d_model, rng, c.bias),
      attn_dropout(c.dropout, rng),
      resid_dropout(c.dropout, rng) {
  register_module("c_attn", c_attn);
  register_module("c_proj", c_proj);
  register_module("attn_dropout", attn_dropout);
  register_module("resid_dropout", resid_dropout);
}

Var QKVSelfAttention::forward(const Var& x, const Tensor& mask, KVCache::Entry* cache, Tensor* weights_out) {
  const int64_t d = config.d_model;
  if (x.dim() != 3 || x.size(2) != d)
    fail("QKVSelfAttention: input ", to_string(x.shape()), " is not [B, T, d_model] with d_model=", d);
  // One matmul for q, k and v: [B, T, 3d], columns q | k | v, head h at h·d_head of each.
  const Var qkv = c_attn(x);
  const bool drop_weights = training() && config.dropout > 0;
  if (packed_heads && !cache && !drop_weights) {
    // The fused op reads each head straight out of qkv and writes y already merged [B, T, d].
    SdpaOptions options{.causal = config.causal, .mask = mask, .return_weights = weights_out != nullptr};
    return resid_dropout(c_proj(sdpa_fused_qkv(qkv, config.n_head, options, weights_out)));
  }
  // The heads cut apart as their own tensors [B, H, T, d_head]: what the KV cache stores, and
  // what the spelled-out softmax (with dropout on the weights) works on.
  std::vector<Var> parts = split(qkv, 2, {d, d, d});
  Var q = split_heads(parts[0], config.n_head);
  Var k = split_heads(parts[1], config.n_head);
  Var v = split_heads(parts[2], config.n_head);
  if (cache) {
    cache->append(k, v);
    k = cache->keys;
    v = cache->values;
  }
  Var y;
  if (drop_weights) {
    // softmax(q kᵀ/√d_head, masked), dropped out, times v.
    Var scores = matmul(q, k, false, true) * (real(1) / std::sqrt(real(d_head)));
    Tensor blocked = blocked_positions(mask, config.causal, q.size(2), k.size(2));
    if (blocked.defined()) scores = masked_fill(scores, blocked, -std::numeric_limits<real>::infinity());
    Var weights = softmax(scores);
    if (weights_out) *weights_out = weights.value();
    y = matmul(attn_dropout(weights), v);
  } else {
    SdpaOptions options{.causal = config.causal, .mask = mask, .return_weights = weights_out != nullptr};
    y = sdpa_fused(q, k, v, options, weights_out);
  }
  return resid_dropout(c_proj(merge_heads(y)));
}

BlockMLP::BlockMLP(const PreNormBlockConfig& c, Rng& rng)
    : c_fc(validated(c).d_model, 4 * c.d_model, rng, c.bias), c_proj(4 * c.d_model, c.d_model, rng, c.bias),
      dropout(c.dropout, rng) {
  register_module("c_fc", c_fc);
  register_module("c_proj", c_proj);
  register_module("dropout", dropout);
}

Var BlockMLP::forward(const Var& x) { return dropout(c_proj(gelu(c_fc(x)))); }

PreNormBlock::PreNormBlock(const PreNormBlockConfig& c, Rng& rng)
    : ln_1(validated(c).d_model, c.bias), attn(c, rng), ln_2(c.d_model, c.bias), mlp(c, rng) {
  register_module("ln_1", ln_1);
  register_module("attn", attn);
  register_module("ln_2", ln_2);
  register_module("mlp", mlp);
}

Var PreNormBlock::forward(const Var& x, const Tensor& mask, KVCache::Entry* cache, Tensor* weights_out) {
  Var h = x + attn.forward(ln_1(x), mask, cache, weights_out);
  return h + mlp(ln_2(h));
}

BlockList::BlockList(int64_t n, const PreNormBlockConfig& config, Rng& rng) {
  if (n < 1) fail("BlockList: need at least one block, got ", n);
  for (int64_t i = 0; i < n; ++i) {
    blocks_.push_back(std::make_unique<PreNormBlock>(config, rng));
    register_module(std::to_string(i), *blocks_.back());
  }
}

PreNormBlock& BlockList::operator[](int64_t i) {
  if (i < 0 || i >= size()) fail("BlockList: block ", i, " out of range [0, ", size(), ")");
  return *blocks_[size_t(i)];
}

void init_block_normal(PreNormBlock& block, Rng& rng, real std, real residual_std) {
  init_normal_linears({&block.attn.c_attn, &block.attn.c_proj, &block.mlp.c_fc, &block.mlp.c_proj},
                      {&block.attn.c_proj, &block.mlp.c_proj}, rng, std, residual_std);
}

}  // namespace atn
