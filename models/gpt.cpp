#include "models/gpt.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "autograd/ops_basic.h"
#include "autograd/ops_dropout.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_shape.h"
#include "nn/init.h"
#include "nn/linear_init.h"
#include "tensor/safetensors.h"

namespace atn {

namespace {

const GPTConfig& validated(const GPTConfig& c) {
  if (c.vocab < 1 || c.block < 1 || c.n_layer < 1 || c.n_head < 1 || c.d_model < 1)
    fail("GPT: vocab, block, n_layer, n_head and d_model must be positive, got vocab=", c.vocab, " block=", c.block,
         " n_layer=", c.n_layer, " n_head=", c.n_head, " d_model=", c.d_model);
  if (c.d_model % c.n_head != 0) fail("GPT: n_head=", c.n_head, " does not divide d_model=", c.d_model);
  if (!(c.dropout >= 0 && c.dropout < 1)) fail("GPT: dropout must be in [0, 1), got ", c.dropout);
  return c;
}

PreNormBlockConfig block_config(const GPTConfig& c) {
  return {.d_model = c.d_model, .n_head = c.n_head, .dropout = c.dropout, .bias = c.bias, .causal = true};
}


}  // namespace

GPT::Transformer::Transformer(const GPTConfig& c, Rng& dropout_rng)
    : wte(c.vocab, c.d_model, dropout_rng),
      wpe(c.block, c.d_model, dropout_rng),
      drop(c.dropout, dropout_rng),
      h(c.n_layer, block_config(c), dropout_rng),
      ln_f(c.d_model, c.bias) {
  register_module("wte", wte);
  register_module("wpe", wpe);
  register_module("drop", drop);
  register_module("h", h);
  register_module("ln_f", ln_f);
}

// The modules are built drawing their throwaway default init from dropout_rng_ (which is then
// re-seeded), so that the caller's rng gives exactly nanoGPT's init and nothing else.
GPT::GPT(const GPTConfig& cfg, Rng& rng)
    : cfg_(validated(cfg)),
      dropout_rng_(0),
      transformer(cfg_, dropout_rng_),
      lm_head(cfg_.d_model, cfg_.vocab, dropout_rng_, false) {
  register_module("transformer", transformer);
  register_module("lm_head", lm_head);
  lm_head.weight = transformer.wte.weight;  // tied: the same Var, hence one parameter
  // nanoGPT's _init_weights: N(0, 0.02) for embeddings and Linear weights, zero biases, then
  // c_proj weights N(0, 0.02/√(2L)).
  init::gpt2(transformer.wte.weight.value(), rng);
  init::gpt2(transformer.wpe.weight.value(), rng);
  const real residual_std = gpt2_residual_std(cfg_.n_layer);
  for (int64_t i = 0; i < cfg_.n_layer; ++i) init_block_normal(transformer.h[i], rng, 0.02f, residual_std);
  dropout_rng_.seed_with(rng.next_u64());
}

Var GPT::embed(const Tensor& idx, int64_t past) {
  return transformer.drop(embed_tokens(transformer.wte, transformer.wpe, idx, past, "GPT"));
}

Var GPT::head(Var x) { return lm_head(transformer.ln_f(x)); }

Var GPT::forward(const Tensor& idx) { return forward(idx, nullptr); }

Var GPT::forward(const Tensor& idx, std::vector<Tensor>* attention_weights) {
  Var x = embed(idx, 0);
  if (attention_weights) attention_weights->assign(size_t(cfg_.n_layer), Tensor());
  for (int64_t i = 0; i < cfg_.n_layer; ++i)
    x = transformer.h[i].forward(x, Tensor(), nullptr, attention_weights ? &(*attention_weights)[size_t(i)] : nullptr);
  return head(x);
}

Var GPT::forward_cached(const Tensor& idx_new, KVCache& cache) {
  if (cache.n_layers() != cfg_.n_layer)
    fail("GPT::forward_cached: the cache has ", cache.n_layers(), " layers, the model ", cfg_.n_layer);
  Var x = embed(idx_new, cache.length(0));
  for (int64_t i = 0; i < cfg_.n_layer; ++i) x = transformer.h[i].forward(x, Tensor(), &cache.layer(i));
  return head(x);
}

std::vector<int64_t> GPT::generate(const std::vector<int64_t>& prompt, int64_t n_new, const GenerateOptions& options,
                                   Rng& rng) {
  if (prompt.empty()) fail("GPT::generate: the prompt is empty (give at least one token)");
  if (n_new < 0) fail("GPT::generate: n_new must be >= 0, got ", n_new);
  NoGrad no_grad;
  EvalScope eval_scope(*this);
  std::vector<int64_t> seq = prompt;
  KVCache cache(cfg_.n_layer);
  int64_t cached = 0;  // tokens of seq whose keys and values are in the cache (from seq[0])
  for (int64_t step = 0; step < n_new; ++step) {
    const int64_t len = int64_t(seq.size());
    const int64_t start = std::max<int64_t>(0, len - cfg_.block);  // nanoGPT's idx[:, -block_size:]
    Var logits;
    if (options.use_kv_cache && start == 0) {
      // Feed only what the cache has not seen yet (the whole prompt on the first step).
      Tensor fresh({1, len - cached});
      for (int64_t t = cached; t < len; ++t) fresh[t - cached] = real(seq[size_t(t)]);
      logits = forward_cached(fresh, cache);
      cached = len;
    } else {
      Tensor window({1, len - start});
      for (int64_t t = start; t < len; ++t) window[t - start] = real(seq[size_t(t)]);
      logits = forward(window);
    }
    const int64_t T = logits.size(1), V = cfg_.vocab;
    Tensor last = logits.value().reshape({T, V}).narrow0(T - 1, 1).reshape({V});
    seq.push_back(sample_next_token(last, options, rng));
  }
  return seq;
}

StateDict GPT::nanogpt_state_dict(bool include_causal_mask_buffers) const {
  StateDict out = state_dict();
  if (include_causal_mask_buffers) {
    const int64_t n = cfg_.block;
    Tensor mask({1, 1, n, n});
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j <= i; ++j) mask[i * n + j] = 1;
    for (int64_t i = 0; i < cfg_.n_layer; ++i) out["transformer.h." + std::to_string(i) + ".attn.bias"] = mask;
  }
  return out;
}

void GPT::load_nanogpt_state_dict(const StateDict& state) {
  StateDict rest;
  const Shape mask_shape = {1, 1, cfg_.block, cfg_.block};
  for (const auto& [name, t] : state) {
    const bool is_mask = name.starts_with("transformer.h.") && name.ends_with(".attn.bias");
    if (!is_mask) {
      rest[name] = t;
    } else if (t.shape() != mask_shape) {
      fail("GPT::load_nanogpt_state_dict: causal-mask buffer ", name, " has shape ", to_string(t.shape()),
           " (expected ", to_string(mask_shape), ")");
    }
  }
  load_state_dict(rest);
}

void GPT::save_nanogpt(const std::string& path, bool include_causal_mask_buffers) const {
  save_safetensors(path, nanogpt_state_dict(include_causal_mask_buffers));
}

void GPT::load_nanogpt(const std::string& path) {
  try {
    load_nanogpt_state_dict(load_safetensors_floats(path));
  } catch (const Error& e) {
    std::string what = e.what();
    if (what.find(path) == std::string::npos) what = path + ": " + what;
    throw Error(what);
  }
}

}  // namespace atn
