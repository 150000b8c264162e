#include "nn/attention/symbol_retrieval.h"

#include <algorithm>
#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "nn/init.h"

namespace atn {

namespace {

void check_input(const Var& x, int64_t d, const char* op) {
  if (x.dim() != 3 || x.size(1) < 1 || x.size(2) != d)
    fail(op, ": input ", to_string(x.shape()), " is not [B, n, d_model] with n ≥ 1 and d_model=", d);
}

SymbolicAttentionConfig checked(SymbolicAttentionConfig c) {
  if (c.d_model < 1 || c.n_heads < 1 || c.d_model % c.n_heads != 0)
    fail("SymbolicAttention: d_model=", c.d_model, " must be a positive multiple of n_heads=", c.n_heads);
  if (c.n_symbols < 1) fail("SymbolicAttention: n_symbols=", c.n_symbols, " must be at least 1");
  return c;
}

}  // namespace

SymbolicAttention::SymbolicAttention(SymbolicAttentionConfig cfg, Rng& rng)
    : config(checked(cfg)), q_proj(cfg.d_model, cfg.d_model, rng) {
  register_module("q_proj", q_proj);
  register_parameter("template_features", template_features, Tensor::randn({cfg.n_symbols, cfg.d_model}, rng));
  Tensor library = Tensor::randn({cfg.n_symbols, cfg.d_model}, rng);
  if (cfg.trainable_symbols) {
    register_parameter("symbol_library", symbol_library, library);
  } else {
    symbol_library = constant(library);
    register_buffer("symbol_library", symbol_library.value());
  }
}

Var SymbolicAttention::forward(const Var& x, Var* weights) {
  check_input(x, config.d_model, "SymbolicAttention");
  const int64_t B = x.size(0), n = x.size(1), H = config.n_heads, dh = config.d_model / H, N = config.n_symbols;
  Var q = permute(reshape(q_proj(x), {B, n, H, dh}), {0, 2, 1, 3});              // [B, H, n, d/H]
  Var f = permute(reshape(template_features, {N, H, dh}), {1, 0, 2});            // [H, N, d/H]
  Var lib = permute(reshape(symbol_library, {N, H, dh}), {1, 0, 2});             // [H, N, d/H]
  Var a = softmax(matmul(q, f, false, true) * (real(1) / std::sqrt(real(dh))));  // [B, H, n, N]
  if (weights) *weights = a;
  return reshape(permute(matmul(a, lib), {0, 2, 1, 3}), {B, n, config.d_model});
}

std::string SymbolicAttention::type_name() const {
  return "SymbolicAttention(d_model=" + std::to_string(config.d_model) + ", n_heads=" + std::to_string(config.n_heads) +
         ", n_symbols=" + std::to_string(config.n_symbols) + (config.trainable_symbols ? ")" : ", frozen)");
}

PositionalSymbols::PositionalSymbols(int64_t max_len_, int64_t d_model_, Rng& rng)
    : max_len(max_len_), d_model(d_model_) {
  if (max_len < 1 || d_model < 1)
    fail("PositionalSymbols: max_len=", max_len, " and d_model=", d_model, " must be positive");
  register_parameter("symbol_library", symbol_library, Tensor::randn({max_len, d_model}, rng));
}

Var PositionalSymbols::forward(const Var& x) {
  check_input(x, d_model, "PositionalSymbols");
  const int64_t n = x.size(1);
  if (n > max_len) fail("PositionalSymbols: sequence length ", n, " is longer than max_len=", max_len);
  return narrow(symbol_library, 0, 0, n);  // E[0], ..., E[n − 1]: the positions are 0..n−1 in every sequence
}

std::string PositionalSymbols::type_name() const {
  return "PositionalSymbols(max_len=" + std::to_string(max_len) + ", d_model=" + std::to_string(d_model) + ")";
}

PositionRelativeSymbols::PositionRelativeSymbols(int64_t m, int64_t d_model_, Rng& rng)
    : max_rel_pos(m), d_model(d_model_) {
  if (m < 0 || d_model < 1)
    fail("PositionRelativeSymbols: max_rel_pos=", m, " must be ≥ 0 and d_model=", d_model, " ≥ 1");
  Tensor p({2 * m + 1, d_model});
  init::xavier_uniform(p, rng);
  register_parameter("rel_symbols", rel_symbols, p);
}

Var PositionRelativeSymbols::forward(const Var& x) {
  check_input(x, d_model, "PositionRelativeSymbols");
  const int64_t n = x.size(1);
  // Row o + n − 1 of the table is the symbol for offset o = j − i ∈ [−(n−1), n−1]: P[clip(o) + m].
  Tensor rows({2 * n - 1});
  for (int64_t r = 0; r < 2 * n - 1; ++r)
    rows[r] = real(std::clamp(r - (n - 1), -max_rel_pos, max_rel_pos) + max_rel_pos);
  return index_select(rel_symbols, 0, rows);
}

std::string PositionRelativeSymbols::type_name() const {
  return "PositionRelativeSymbols(max_rel_pos=" + std::to_string(max_rel_pos) + ", d_model=" + std::to_string(d_model) +
         ")";
}

}  // namespace atn
