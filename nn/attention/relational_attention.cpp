#include "nn/attention/relational_attention.h"

#include <cmath>
#include <limits>

#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"

namespace atn {

namespace {

constexpr real kInf = std::numeric_limits<real>::infinity();

// Fills in the "0 means ..." defaults and checks that every size divides as the formulas need.
RelationalAttentionConfig resolved(RelationalAttentionConfig c) {
  if (c.total_heads == 0) c.total_heads = c.n_heads;
  if (c.n_relations == 0) c.n_relations = c.n_heads;
  if (c.n_kv_heads == 0) c.n_kv_heads = c.n_heads;
  if (c.d_model < 1 || c.n_heads < 1 || c.total_heads < c.n_heads || c.d_model % c.total_heads != 0)
    fail("RelationalAttention: d_model=", c.d_model, " must be a positive multiple of total_heads=", c.total_heads,
         ", and 1 ≤ n_heads=", c.n_heads, " ≤ total_heads");
  const int64_t width = c.d_model / c.total_heads * c.n_heads;  // d_h·n_heads
  if (c.n_relations < 1 || width % c.n_relations != 0)
    fail("RelationalAttention: n_relations=", c.n_relations, " must divide head_dim·n_heads=", width);
  if (c.n_kv_heads < 1 || c.n_heads % c.n_kv_heads != 0)
    fail("RelationalAttention: n_kv_heads=", c.n_kv_heads, " must divide n_heads=", c.n_heads);
  if (c.rope && ((c.d_model / c.total_heads) % 2 != 0 || !(c.rope_base > 1)))
    fail("RelationalAttention: RoPE needs an even head_dim and a base above 1, got head_dim=",
         c.d_model / c.total_heads, " and rope_base=", c.rope_base);
  return c;
}

Var activate(const Var& r, RelationActivation act) {
  switch (act) {
    case RelationActivation::relu:
      return relu(r);
    case RelationActivation::tanh:
      return tanh(r);
    case RelationActivation::sigmoid:
      return sigmoid(r);
    case RelationActivation::identity:
      break;
  }
  return r;
}

// [..., n, H·d_h] → [..., H, n, d_h], for a 2-D or 3-D input.
Var split_heads(const Var& t, int64_t H, int64_t dh) {
  if (t.dim() == 2) return permute(reshape(t, {t.size(0), H, dh}), {1, 0, 2});
  return permute(reshape(t, {t.size(0), t.size(1), H, dh}), {0, 2, 1, 3});
}

Tensor wr_init(int64_t H, int64_t dh, int64_t nr, Rng& rng) {
  // Upstream: kaiming_uniform_(a = √5) on [H, d_h, n_r]. PyTorch takes fan_in = size(1) times the
  // trailing sizes = d_h·n_r, and the bound gain·√(3/fan_in) with gain √(2/(1 + a²)) = √(1/3)
  // is 1/√fan_in.
  const real bound = real(1 / std::sqrt(double(dh) * double(nr)));
  return Tensor::rand({H, dh, nr}, rng, -bound, bound);
}

}  // namespace

namespace detail {

Var dat_masked_scores(const Var& scores, const Tensor& mask, bool causal, const char* op) {
  Var s = scores;
  if (mask.defined()) {
    if (broadcast_shapes(mask.shape(), s.shape(), op) != s.shape())
      fail(op, ": mask ", to_string(mask.shape()), " does not broadcast to the scores ", to_string(s.shape()));
    Tensor blocked(mask.shape());
    for (int64_t i = 0; i < mask.numel(); ++i) {
      if (mask[i] != 0 && mask[i] != 1) fail(op, ": mask values must be 0 or 1 (1 = may attend), got ", mask[i]);
      blocked[i] = mask[i] == 0 ? 1 : 0;
    }
    s = masked_fill(s, blocked, -kInf);
  }
  if (causal) {
    const int64_t lq = s.size(-2), lk = s.size(-1);
    Tensor future({lq, lk});
    for (int64_t i = 0; i < lq; ++i)
      for (int64_t j = i + 1; j < lk; ++j) future[i * lk + j] = 1;
    s = masked_fill(s, future, -kInf);
  }
  return s;
}

}  // namespace detail

RelationalAttention::RelationalAttention(RelationalAttentionConfig cfg, Rng& rng)
    : config(resolved(cfg)),
      head_dim(config.d_model / config.total_heads),
      rel_dim(head_dim * config.n_heads / config.n_relations),
      wq_attn(config.d_model, config.n_heads * head_dim, rng, false),
      wk_attn(config.d_model, config.n_kv_heads * head_dim, rng, false),
      wq_rel(config.d_model, config.n_relations * rel_dim, rng, false),
      wk_rel(config.symmetric_relations
                 ? nullptr
                 : std::make_unique<Linear>(config.d_model, config.n_relations * rel_dim, rng, false)),
      wv(config.d_model, (config.grouped_wv ? config.n_kv_heads : config.n_heads) * head_dim, rng, false),
      wo(config.n_heads * head_dim, config.n_heads * head_dim, rng, config.bias_out),
      rotary(config.rope ? std::make_unique<RotaryPositionalEmbedding>(head_dim, config.rope_base) : nullptr) {
  register_module("wq_attn", wq_attn);
  register_module("wk_attn", wk_attn);
  register_module("wq_rel", wq_rel);
  if (wk_rel) register_module("wk_rel", *wk_rel);
  register_module("wv", wv);
  register_parameter("wr", wr, wr_init(config.n_heads, head_dim, config.n_relations, rng));
  register_module("wo", wo);
}

Var RelationalAttention::forward(const Var& x, const Var& symbols, const Tensor& mask,
                                 RelationalAttentionWeights* weights) {
  const int64_t d = config.d_model, H = config.n_heads, kv = config.n_kv_heads, nr = config.n_relations;
  if (x.dim() != 3 || x.size(2) != d)
    fail("RelationalAttention: input ", to_string(x.shape()), " is not [B, n, d_model] with d_model=", d);
  const int64_t B = x.size(0), n = x.size(1);
  if (!symbols.defined()) fail("RelationalAttention: symbols are required");
  if (config.relative_symbols) {
    if (symbols.dim() != 2 || symbols.size(0) != 2 * n - 1 || symbols.size(1) != d)
      fail("RelationalAttention: relative symbols ", to_string(symbols.shape()), " are not the offset table [2n − 1, ",
           d, "] for n=", n);
  } else if (!((symbols.dim() == 2 && symbols.size(0) == n && symbols.size(1) == d) ||
               (symbols.dim() == 3 && symbols.size(0) == B && symbols.size(1) == n && symbols.size(2) == d))) {
    fail("RelationalAttention: symbols ", to_string(symbols.shape()), " are not [n, d] or [B, n, d] for input ",
         to_string(x.shape()));
  }

  // 1. α: attention scores from q and k. With grouped-query keys, the g = H/kv query heads that
  //    share key head κ are heads κ·g .. κ·g + g − 1; folding them into the row axis lets one
  //    matmul serve the whole group.
  Var q = split_heads(wq_attn(x), H, head_dim);   // [B, H, n, d_h]
  Var k = split_heads(wk_attn(x), kv, head_dim);  // [B, kv, n, d_h]
  if (rotary) {  // row i rotated by the angles of position i: q_i·k_j then depends on j − i
    q = rotary->apply(q);
    k = rotary->apply(k);
  }
  Var s = matmul(reshape(q, {B, kv, (H / kv) * n, head_dim}), k, false, true);
  s = reshape(s, {B, H, n, n}) * (real(1) / std::sqrt(real(head_dim)));
  Var alpha = softmax(detail::dat_masked_scores(s, mask, config.causal, "RelationalAttention"));

  // 2. Relations R [B, n_r, n, n]: one inner product per relation ℓ, in its own d_r-dim space.
  Var qr = split_heads(wq_rel(x), nr, rel_dim);
  Var kr = wk_rel ? split_heads((*wk_rel)(x), nr, rel_dim) : qr;  // symmetric: the same map on both sides
  Var rel = activate(matmul(qr, kr, false, true) * (real(1) / std::sqrt(real(rel_dim))), config.activation);

  // 3. Symbols: A^h_i = Σ_j α^h_ij ŝ^h_j. With grouped_wv there are kv symbol heads, shared by
  //    the query heads of a group as the keys are.
  const int64_t sym_heads = config.grouped_wv ? kv : H;
  Var sym = split_heads(wv(symbols), sym_heads, head_dim);  // [S, n or 2n−1, d_h] or [B, S, n, d_h]
  Var by_key = alpha;
  if (config.relative_symbols && n > 1) {
    // β[.., i, o + n − 1] = α[.., i, i + o]: pad α with n − 1 zeros on both sides of the key axis,
    // then column c of the padded row i is key c − (n − 1), so offset o sits at column i + o + n − 1.
    Var pad = constant(Tensor::zeros({B, H, n, n - 1}));
    Tensor index({B, H, n, 2 * n - 1});
    for (int64_t row = 0; row < B * H * n; ++row)
      for (int64_t c = 0; c < 2 * n - 1; ++c) index[row * (2 * n - 1) + c] = real(row % n + c);
    by_key = gather(concat({pad, alpha, pad}, 3), 3, index);  // [B, H, n, 2n − 1]
  }
  Var a_sym;  // [B, H, n, d_h]
  if (sym_heads == H) {
    a_sym = matmul(by_key, sym);
  } else {  // fold each group's query heads into the row axis, as for the scores
    const int64_t keys = by_key.size(3);
    a_sym = reshape(matmul(reshape(by_key, {B, kv, (H / kv) * n, keys}), sym), {B, H, n, head_dim});
  }

  // 4. ρ^h_i = Σ_j α^h_ij R_ij· per query i: [H, n] × [n, n_r], batched over (b, i). Then W_r^h ρ^h_i.
  Var rho = matmul(permute(alpha, {0, 2, 1, 3}), permute(rel, {0, 2, 1, 3}), false, true);  // [B, n, H, n_r]
  Var a_rel = matmul(permute(rho, {0, 2, 1, 3}), wr, false, true);                          // [B, H, n, d_h]

  if (weights) *weights = {alpha, rel};
  Var heads = permute(a_sym + a_rel, {0, 2, 1, 3});  // [B, n, H, d_h]
  return wo(reshape(heads, {B, n, H * head_dim}));
}

std::string RelationalAttention::type_name() const {
  return "RelationalAttention(d_model=" + std::to_string(config.d_model) +
         ", n_heads=" + std::to_string(config.n_heads) + ", n_relations=" + std::to_string(config.n_relations) +
         (config.symmetric_relations ? ", symmetric" : "") + (config.relative_symbols ? ", relative" : "") +
         (config.rope ? ", rope" : "") + (config.grouped_wv ? ", grouped_wv" : "") +
         (config.causal ? ", causal)" : ")");
}

}  // namespace atn
