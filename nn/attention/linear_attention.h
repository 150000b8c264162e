// Linear attention (Katharopoulos et al., "Transformers are RNNs", 2020).
//
// Replace the softmax weight exp(q_i·k_j) by a product of features φ(q_i)·φ(k_j), with
// φ(x) = elu(x) + 1 > 0 elementwise. Then
//   out_i = Σ_j (φ(q_i)·φ(k_j)) v_j / Σ_j φ(q_i)·φ(k_j)
//         = φ(q_i)ᵀ (Σ_j φ(k_j) v_jᵀ) / (φ(q_i)ᵀ Σ_j φ(k_j)),
// and the sums over j no longer depend on i: they are computed once, in O(T·d·dv), instead of
// the T×T weights. Causal: the sums run over j ≤ i, S_i = Σ_{j≤i} φ(k_j) v_jᵀ and
// z_i = Σ_{j≤i} φ(k_j), which is a recurrent network whose state is (S_i, z_i).
#pragma once
#include "autograd/tape.h"

namespace atn {

// φ(x) = elu(x) + 1 = x + 1 for x > 0, eˣ otherwise. Derivative: 1 for x > 0, eˣ otherwise.
Var elu_feature_map(const Var& x);

// q [B, H, Tq, d], k [B, H, Tk, d], v [B, H, Tk, dv] → [B, H, Tq, dv]. Causal needs Tq = Tk.
// Non-causal is built from differentiable ops; causal uses prefix_linear_attention below.
Var linear_attention(const Var& q, const Var& k, const Var& v, bool causal);

// The causal running sums as one op with its own backward, on features already computed:
// out_i = S_iᵀ fq_i / (fq_i · z_i). fq, fk [B, H, T, d] must be positive (as φ's outputs are);
// v [B, H, T, dv]. Memory O(d·dv) per head besides inputs and output.
Var prefix_linear_attention(const Var& fq, const Var& fk, const Var& v);

// The same attention in its quadratic form, for checking: the weights φ(q_i)·φ(k_j) (set to 0
// for j > i when causal) normalized over j, then applied to v. O(T²) time and memory.
Var linear_attention_quadratic(const Var& q, const Var& k, const Var& v, bool causal);

}  // namespace atn
