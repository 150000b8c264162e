// The pre-norm Transformer block shared by GPT, the BERT-style encoder and ViT, with nanoGPT's
// module names so that a GPT state dict moves to nanoGPT (Karpathy, model.py) without renaming:
//
//   x = x + attn(ln_1(x))      attn: c_attn packs q|k|v in one Linear d → 3d, c_proj d → d
//   x = x + mlp(ln_2(x))       mlp:  c_fc d → 4d, exact GELU, c_proj 4d → d
//
// Pre-norm (GPT-2, Radford et al. 2019, §2.3; Xiong et al. 2020) normalizes the input of each
// sub-layer and leaves the residual path untouched, which trains without a learning-rate warmup
// trick being essential. GPT uses it with a causal mask; BERT and ViT with none (plus a padding
// mask for BERT). BERT itself was post-norm; here every encoder uses this one block.
#pragma once
#include "nn/attention/kv_cache.h"
#include "nn/dropout.h"
#include "nn/linear.h"

namespace atn {

// LayerNorm whose bias can be switched off, as nanoGPT's own LayerNorm class (torch's
// nn.LayerNorm had no such switch before 2.1). eps = 1e-5 (PyTorch's default). Parameters
// "weight" [dim] (ones) and, when bias, "bias" [dim] (zeros).
class LayerNormOptionalBias : public Layer {
 public:
  LayerNormOptionalBias(int64_t dim, bool bias);
  Var forward(const Var& x) override;
  std::string type_name() const override;

  int64_t dim;
  Var weight, bias;  // bias undefined when built without one
};

struct PreNormBlockConfig {
  int64_t d_model = 128;
  int64_t n_head = 4;
  real dropout = 0;     // on the attention weights, after each sub-layer and (in the models) on the embeddings
  bool bias = true;     // biases in every Linear and LayerNorm (nanoGPT's `bias`)
  bool causal = false;  // query i sees keys j ≤ i only (GPT)
};

// Multi-head self-attention with the projections packed as nanoGPT's CausalSelfAttention:
// c_attn.weight [3d, d] holds the rows of W_q, then W_k, then W_v; head h uses columns
// h·d_head … (h+1)·d_head − 1 of each. Without dropout (or in eval) it runs the fused
// FlashAttention-style op of nn/attention/sdpa.h; with dropout in training it spells the
// softmax out so the weights can be dropped, as nanoGPT's "slow attention" path.
// Without a KV cache and without dropout, the fused op reads the heads straight out of
// c_attn's output and writes them merged (sdpa_fused_qkv, nn/attention/sdpa_heads.h); set
// packed_heads = false to cut the heads apart first (split, reshape, transpose, sdpa_fused,
// merge), the readable path with the same numbers.
class QKVSelfAttention : public Module {
 public:
  // rng draws the dropout masks: it is kept by reference and must outlive this module.
  QKVSelfAttention(const PreNormBlockConfig& config, Rng& rng);
  // x [B, T, d] → [B, T, d]. mask (optional) broadcasts to [B, H, T, T_keys], nonzero = may
  // attend ([B, 1, 1, T] for padding). With a cache entry the new keys and values are appended
  // to it and the queries (the newest T positions) attend to everything cached. weights_out,
  // if given, receives the attention weights [B, H, T, T_keys] (before dropout), for plots.
  Var forward(const Var& x, const Tensor& mask = Tensor(), KVCache::Entry* cache = nullptr,
              Tensor* weights_out = nullptr);
  std::string type_name() const override { return "QKVSelfAttention"; }

  PreNormBlockConfig config;
  int64_t d_head;
  bool packed_heads = true;  // see above: false spells the heads' split and merge out
  Linear c_attn, c_proj;
  Dropout attn_dropout, resid_dropout;  // no parameters; follow train()/eval()
};

// c_fc (d → 4d), exact GELU x·Φ(x), c_proj (4d → d), dropout: nanoGPT's MLP.
class BlockMLP : public Layer {
 public:
  BlockMLP(const PreNormBlockConfig& config, Rng& rng);
  Var forward(const Var& x) override;
  std::string type_name() const override { return "BlockMLP"; }

  Linear c_fc, c_proj;
  Dropout dropout;
};

// ln_1, attn, ln_2, mlp (nanoGPT's Block).
class PreNormBlock : public Module {
 public:
  PreNormBlock(const PreNormBlockConfig& config, Rng& rng);
  Var forward(const Var& x, const Tensor& mask = Tensor(), KVCache::Entry* cache = nullptr,
              Tensor* weights_out = nullptr);
  std::string type_name() const override { return "PreNormBlock"; }

  LayerNormOptionalBias ln_1;
  QKVSelfAttention attn;
  LayerNormOptionalBias ln_2;
  BlockMLP mlp;
};

// A list of blocks registered as "0", "1", ... (torch.nn.ModuleList), so their parameters are
// named "h.0.ln_1.weight" and so on.
class BlockList : public Module {
 public:
  BlockList(int64_t n, const PreNormBlockConfig& config, Rng& rng);
  int64_t size() const { return int64_t(blocks_.size()); }
  PreNormBlock& operator[](int64_t i);
  std::string type_name() const override { return "BlockList"; }

 private:
  std::vector<std::unique_ptr<PreNormBlock>> blocks_;  // on the heap: addresses stay put for the registry
};

// Every Linear weight in the block N(0, std), biases 0, except the two residual projections
// (attn.c_proj, mlp.c_proj), which get N(0, residual_std). LayerNorms keep ones and zeros.
// GPT-2 and nanoGPT: std = 0.02, residual_std = 0.02/√(2·n_layers), so that the residual
// stream's variance does not grow with depth; BERT and ViT use 0.02 for both.
void init_block_normal(PreNormBlock& block, Rng& rng, real std, real residual_std);

}  // namespace atn
