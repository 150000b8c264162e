// The fused attention of nn/attention/sdpa.h on heads laid side by side in the last axis, the
// layout a Linear produces, so that no copy cuts the heads apart or glues them back together.
//
// Multi-head attention usually spells this out (multi_head.cpp, transformer_block.cpp):
//
//   q, k, v = split(qkv, 2, {d, d, d})                   copy, tape entry (one per piece)
//   q = transpose(reshape(q, [B, T, H, dh]), 1, 2)       copy, tape entries  (and k, v)
//   y = sdpa_fused(q, k, v)                              [B, H, T, dh]
//   y = reshape(transpose(y, 1, 2), [B, T, H·dh])        copy, tape entries
//
// and every copy has a backward that copies the gradient back. The ops here give the same
// numbers (the kernels run the same arithmetic in the same order, reading head h of row t at
// column h·dh of that row) with one tape entry and no copies: the output is written already
// merged, and the backward writes the gradients straight into a tensor laid out like the input.
//
//   sdpa_fused_heads(q [B, Tq, H·d], k [B, Tk, H·d], v [B, Tk, H·dv], H) → [B, Tq, H·dv]
//   sdpa_fused_qkv(qkv [B, T, 3·H·d], H) → [B, T, H·d]
//       qkv: columns 0 … H·d − 1 are q, then k, then v (nanoGPT's c_attn); its gradient is one
//       [B, T, 3·H·d] tensor.
//
// Head h of q, k, v and of the output is columns h·d … h·d + d − 1 (h·dv … for v and the
// output). Options, masks (broadcasting to [B, H, Tq, Tk]) and the returned weights
// [B, H, Tq, Tk] are those of sdpa_fused.
#pragma once
#include "nn/attention/sdpa.h"

namespace atn {

Var sdpa_fused_heads(const Var& q, const Var& k, const Var& v, int64_t n_heads, const SdpaOptions& options = {},
                     Tensor* weights_out = nullptr);

Var sdpa_fused_qkv(const Var& qkv, int64_t n_heads, const SdpaOptions& options = {}, Tensor* weights_out = nullptr);

}  // namespace atn
