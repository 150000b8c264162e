#include "nn/attention/masks.h"

#include <cmath>

#include "autograd/ops_shape.h"
#include "tensor/elementwise.h"

namespace atn {

namespace {

// Builds an [lq, lk] mask from a rule keep(i, j).
template <class Keep>
Tensor build(int64_t lq, int64_t lk, Keep keep) {
  Tensor m({lq, lk});
  for (int64_t i = 0; i < lq; ++i)
    for (int64_t j = 0; j < lk; ++j) m[i * lk + j] = keep(i, j) ? 1 : 0;
  return m;
}

void check_length(int64_t n, const char* op) {
  if (n < 1) fail(op, ": sequence length must be positive, got ", n);
}

}  // namespace

Tensor causal_mask(int64_t n) { return causal_mask(n, n); }

Tensor causal_mask(int64_t lq, int64_t lk) {
  if (lq < 1 || lk < 1 || lq > lk) fail("causal_mask: need 1 <= lq <= lk, got lq=", lq, " lk=", lk);
  const int64_t shift = lk - lq;  // query i is at absolute position i + shift
  return build(lq, lk, [shift](int64_t i, int64_t j) { return j <= i + shift; });
}

Tensor padding_mask(const std::vector<int64_t>& lengths, int64_t max_len) {
  check_length(max_len, "padding_mask");
  if (lengths.empty()) fail("padding_mask: no lengths given");
  const int64_t b = int64_t(lengths.size());
  Tensor m({b, 1, 1, max_len});
  for (int64_t s = 0; s < b; ++s) {
    const int64_t len = lengths[size_t(s)];
    if (len < 0 || len > max_len)
      fail("padding_mask: length ", len, " of sequence ", s, " is not in [0, ", max_len, "]");
    for (int64_t j = 0; j < len; ++j) m[s * max_len + j] = 1;
  }
  return m;
}

Tensor padding_mask(const Tensor& keep) {
  if (keep.dim() != 2) fail("padding_mask: keep must be [B, L], got ", to_string(keep.shape()));
  check_mask(keep, "padding_mask");
  return keep.clone().reshape({keep.size(0), 1, 1, keep.size(1)});
}

Tensor local_window_mask(int64_t n, int64_t k) {
  check_length(n, "local_window_mask");
  if (k < 1) fail("local_window_mask: window k must be >= 1 (it counts the token itself), got ", k);
  return build(n, n, [k](int64_t i, int64_t j) { return j <= i && j >= i - k + 1; });
}

Tensor strided_mask(int64_t n, int64_t stride, SparsePart part) {
  check_length(n, "strided_mask");
  if (stride < 1) fail("strided_mask: stride must be >= 1, got ", stride);
  return build(n, n, [stride, part](int64_t i, int64_t j) {
    if (j > i) return false;
    const bool near = i - j <= stride;         // A(1): j in [max(0, i−l), i]
    const bool every = (i - j) % stride == 0;  // A(2): l, 2l, ... positions back
    return part == SparsePart::first ? near : part == SparsePart::second ? every : near || every;
  });
}

Tensor fixed_mask(int64_t n, int64_t stride, int64_t c, SparsePart part) {
  check_length(n, "fixed_mask");
  if (stride < 1 || c < 1 || c > stride) fail("fixed_mask: need 1 <= c <= stride, got stride=", stride, " c=", c);
  return build(n, n, [stride, c, part](int64_t i, int64_t j) {
    if (j > i) return false;
    const bool same_block = j / stride == i / stride;  // A(1); j, i >= 0 so / is floor
    const bool summary = j % stride >= stride - c;     // A(2)
    return part == SparsePart::first ? same_block : part == SparsePart::second ? summary : same_block || summary;
  });
}

Tensor graph_mask(int64_t n, const std::vector<std::pair<int64_t, int64_t>>& edges, bool self_loops, bool symmetric) {
  check_length(n, "graph_mask");
  Tensor m({n, n});
  for (const auto& [i, j] : edges) {
    if (i < 0 || i >= n || j < 0 || j >= n) fail("graph_mask: edge (", i, ", ", j, ") has a node outside [0, ", n, ")");
    m[i * n + j] = 1;
    if (symmetric) m[j * n + i] = 1;
  }
  if (self_loops)
    for (int64_t i = 0; i < n; ++i) m[i * n + i] = 1;
  return m;
}

Tensor combine(const Tensor& mask_a, const Tensor& mask_b) {
  check_mask(mask_a, "combine");
  check_mask(mask_b, "combine");
  return mul(mask_a, mask_b);  // for 0/1 values, a·b is a and b
}

Tensor mask_to_bias(const Tensor& mask) {
  check_mask(mask, "mask_to_bias");
  return map(mask, [](real m) { return m == 1 ? real(0) : -INFINITY; });
}

void check_mask(const Tensor& mask, const char* op) {
  if (!mask.defined()) fail(op, ": mask is undefined");
  for (real v : mask)
    if (v != 0 && v != 1) fail(op, ": a mask holds only 0 and 1, found ", v, " in a mask ", to_string(mask.shape()));
}

Var apply_mask(const Var& scores, const Tensor& mask, const char* op) {
  if (!mask.defined()) return scores;
  check_mask(mask, op);
  // Aligned from the last axis, each mask size must be 1 or the scores' size.
  bool fits = mask.dim() <= scores.dim();
  for (int64_t a = 1; fits && a <= mask.dim(); ++a) fits = mask.size(-a) == 1 || mask.size(-a) == scores.size(-a);
  if (!fits)
    fail(op, ": mask ", to_string(mask.shape()), " does not broadcast to the scores ", to_string(scores.shape()));
  const Tensor blocked = map(mask, [](real m) { return m == 0 ? real(1) : real(0); });
  return masked_fill(scores, blocked, -INFINITY);
}

}  // namespace atn
