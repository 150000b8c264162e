// Attention masks and sparse patterns as Tensors: 1 = query i may attend to key j, 0 = blocked.
//
// A mask of shape [Lq, Lk] has one row per query and one column per key, so row i is the set
// N(i) of positions that query i looks at. Masks are constants (they never receive a
// gradient); apply_mask() turns the zeros into −∞ scores just before the softmax, so blocked
// keys get weight exactly 0. A row with no 1 at all gets all-zero weights (tensor/softmax.h
// defines the softmax of an all −∞ row as zeros), so padding never produces NaN.
//
// Masks of the same shape, or shapes that broadcast, are combined with combine() (logical and):
// combine(causal_mask(T), local_window_mask(T, k)) is a causal sliding window.
#pragma once
#include <utility>
#include <vector>

#include "autograd/var.h"

namespace atn {

// Causal (autoregressive) mask [n, n]: j ≤ i, the diagonal included (a token sees itself).
Tensor causal_mask(int64_t n);
// [lq, lk] for queries that are the LAST lq of lk positions (decoding with a cache of past
// keys): query i sits at position i + lk − lq and sees keys j ≤ i + lk − lq. Needs lq ≤ lk.
Tensor causal_mask(int64_t lq, int64_t lk);

// Padding: keys past a sequence's length are blocked. From the lengths of B sequences padded to
// max_len, or from a keep-vector [B, L] of 0/1 (1 = real token). The result is [B, 1, 1, L], which
// broadcasts over multi-head scores [B, H, Lq, L]; for single-head scores [B, Lq, L] reshape it
// to [B, 1, L].
Tensor padding_mask(const std::vector<int64_t>& lengths, int64_t max_len);
Tensor padding_mask(const Tensor& keep);

// The course's local window [n, n]: N(i) = {j : max(0, i−k+1) ≤ j ≤ i}. k counts the token
// itself, so k = 1 is "only myself" and k ≥ n is the causal mask.
Tensor local_window_mask(int64_t n, int64_t k);

// Child, Gray, Radford & Sutskever (2019), "Generating Long Sequences with Sparse Transformers"
// (arXiv:1904.10509), "two-dimensional factorized attention". Both patterns are causal and factorized into two heads;
// `part` picks one head's set A(1) or A(2), or their union (the default; the paper's "merged" head).
//   strided, stride l:  A(1)_i = {j : max(0, i−l) ≤ j ≤ i}             (itself and the l before)
//                       A(2)_i = {j ≤ i : (i−j) mod l = 0}              (every l-th position back)
//                       union:   j ≤ i and ((i−j) ≤ l or (i−j) mod l = 0),
//                                the same as (i−j) < l or (i−j) mod l = 0, since i−j = l is a multiple of l.
//   fixed, stride l, c: A(1)_i = {j ≤ i : ⌊j/l⌋ = ⌊i/l⌋}              (my own block)
//                       A(2)_i = {j ≤ i : j mod l ∈ {l−c, …, l−1}}     (the last c cells of every block,
//                                                                        the "summary" cells)
// The paper writes A(2) for fixed as j mod l ∈ {t, t+1, …, l} with t = l − c; since j mod l < l
// that is the last c positions of each block. 1 ≤ c ≤ l.
enum class SparsePart { both, first, second };
Tensor strided_mask(int64_t n, int64_t stride, SparsePart part = SparsePart::both);
Tensor fixed_mask(int64_t n, int64_t stride, int64_t c, SparsePart part = SparsePart::both);

// A graph on n nodes as an attention mask [n, n]: an edge (i, j) lets node i attend to node j.
// symmetric adds (j, i) for every edge (an undirected graph); self_loops adds (i, i) for every
// node (GAT's N(i) contains i). Repeated edges are harmless. Endpoints must be in [0, n).
Tensor graph_mask(int64_t n, const std::vector<std::pair<int64_t, int64_t>>& edges, bool self_loops = true,
                  bool symmetric = true);

// Logical and of two masks (both 0/1); their shapes broadcast (NumPy rules).
Tensor combine(const Tensor& mask_a, const Tensor& mask_b);

// The additive form of a mask: 0 where it is 1 and −∞ where it is 0, to be added to scores.
Tensor mask_to_bias(const Tensor& mask);

// Throws unless every value of `mask` is exactly 0 or 1 (a mask of probabilities or of token
// ids passed by mistake would otherwise be silently read as "nonzero = keep").
void check_mask(const Tensor& mask, const char* op);

// The scores with −∞ wherever `mask` is 0; an undefined mask returns `scores` unchanged.
// The mask must broadcast to the scores' shape without enlarging it ([T, T] over [B, H, T, T]
// is fine; [B, 1, 1, T] over single-head [B, T, T] is not). Blocked entries get zero gradient.
Var apply_mask(const Var& scores, const Tensor& mask, const char* op);

}  // namespace atn
