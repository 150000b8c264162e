// Symbol retrievers for relational attention (specs/dual-attention.md; Altabaa & Lafferty,
// arXiv:2405.16727). A symbol s_j tags the relation that token j sends in relational attention
// with "where it came from", without carrying x_j's content. Three ways to choose it:
//
//  * SymbolicAttention: symbols by content, but from a learned library. Each token queries a
//    set of N_s learned template keys F and receives a convex combination of the library
//    symbols S (one attention per head over the library, no mask):
//      s_i^h = Σ_k softmax_k(q_i^h · F_k^h / √(d/H_s)) S_k^h,   q = Linear(d → d, bias)(x),
//    s_i = concat_h s_i^h. Tokens that look alike get alike symbols. → [B, n, d].
//  * PositionalSymbols: s_i = E[i], a learned vector per absolute position. → [n, d].
//  * PositionRelativeSymbols: the symbol depends on the offset j − i, clipped to [−m, m]:
//      S_ij = P[clip(j − i, −m, m) + m],  P ∈ R^{(2m+1)×d}  (Xavier init).
//    Rather than the n×n×d tensor S_ij we return the table of the 2n − 1 offsets that occur,
//    [2n − 1, d], row (j − i) + n − 1 = S for that offset; RelationalAttention with
//    relative_symbols = true expects exactly this.
//
// All three map x [B, n, d] to their symbols; by default one retriever is shared by all layers
// and called on each block's (un-normalized) input. Init as upstream: F and S and E ~ N(0, 1).
#pragma once
#include "nn/linear.h"

namespace atn {

class SymbolRetriever : public Layer {
 public:
  // True when the symbols are the offset table of PositionRelativeSymbols.
  virtual bool relative() const { return false; }
};

struct SymbolicAttentionConfig {
  int64_t d_model = 0;
  int64_t n_heads = 1;            // H_s, must divide d_model
  int64_t n_symbols = 0;          // N_s
  bool trainable_symbols = true;  // false: the library S is a frozen buffer (saved, not trained)
};

class SymbolicAttention : public SymbolRetriever {
 public:
  SymbolicAttention(SymbolicAttentionConfig config, Rng& rng);
  Var forward(const Var& x) override { return forward(x, nullptr); }
  // weights, if given, receives the retrieval weights [B, H_s, n, N_s] (rows sum to 1).
  Var forward(const Var& x, Var* weights);
  std::string type_name() const override;

  SymbolicAttentionConfig config;
  Linear q_proj;
  Var template_features;  // F [N_s, d]
  Var symbol_library;     // S [N_s, d]
};

class PositionalSymbols : public SymbolRetriever {
 public:
  PositionalSymbols(int64_t max_len, int64_t d_model, Rng& rng);
  Var forward(const Var& x) override;  // x [B, n, d], n ≤ max_len → E[0..n) [n, d]
  std::string type_name() const override;

  int64_t max_len, d_model;
  Var symbol_library;  // E [max_len, d]
};

class PositionRelativeSymbols : public SymbolRetriever {
 public:
  PositionRelativeSymbols(int64_t max_rel_pos, int64_t d_model, Rng& rng);
  Var forward(const Var& x) override;  // x [B, n, d] → the offset table [2n − 1, d]
  bool relative() const override { return true; }
  std::string type_name() const override;

  int64_t max_rel_pos, d_model;  // m, d
  Var rel_symbols;               // P [2m + 1, d]
};

}  // namespace atn
