// Selection kernels: index_select/embedding, gather, their inverses (index_add_, scatter_add),
// masked_fill and where. No gradients here; autograd/ops_shape.h builds on these.
//
// Indices live in float tensors holding whole numbers (see tensor.h). Every index is checked:
// it must be a whole number in [0, size). Negative indices are rejected, not counted from the
// end: token ids and class targets are never negative, so a negative one (a -1 padding marker
// that slipped through, say) is a bug, and an error says so where a silent wrap-around would
// read the last row instead. PyTorch's index_select and gather reject them too.
#pragma once
#include "tensor/tensor.h"

namespace atn {

// The index that `v` denotes along `axis` of `shape`, or an Error naming `op`, the value and
// the valid range: "gather: index 5 out of range [0, 3) along axis 0 of [3, 2]".
int64_t checked_index(real v, int64_t axis, const Shape& shape, const char* op);

// Picks entries along `axis` (NumPy's take). The axis is replaced by the shape of `indices`:
// t [5, 4], axis 0, indices [3] → [3, 4]; indices [2, 3] → [2, 3, 4]; a scalar index drops
// the axis. Repeated indices repeat the entry.
Tensor index_select(const Tensor& t, int64_t axis, const Tensor& indices);
// The inverse used by index_select's backward: target[.., indices[k], ..] += src[.., k, ..],
// where src has index_select(target, axis, indices)'s shape. Repeated indices accumulate.
void index_add_(Tensor& target, int64_t axis, const Tensor& indices, const Tensor& src);

// A lookup table: weight [num, dim], ids of any shape → ids.shape + [dim]. Row ids[i] of
// the table for each id; the first layer of every language model.
Tensor embedding(const Tensor& weight, const Tensor& ids);

// PyTorch's gather: out has index's shape and, for axis 1 of a 2-D tensor,
// out[i][j] = t[i][index[i][j]]. index has t's number of dimensions and, along every other
// axis, at most t's size. Picks e.g. the probability of each target class.
Tensor gather(const Tensor& t, int64_t axis, const Tensor& index);
// The inverse of gather: target[i][index[i][j]] += src[i][j] (for axis 1), src of index's
// shape. Positions named twice accumulate. The second form starts from zeros of `shape`.
void scatter_add_(Tensor& target, int64_t axis, const Tensor& index, const Tensor& src);
Tensor scatter_add(const Shape& shape, int64_t axis, const Tensor& index, const Tensor& src);

// A copy of t with `value` wherever mask is nonzero; mask must broadcast to t's shape (the
// causal mask [T, T] over scores [B, H, T, T], filled with -INFINITY before the softmax).
Tensor masked_fill(const Tensor& t, const Tensor& mask, real value);

// a where cond is nonzero, else b. All three broadcast together to the output shape.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

}  // namespace atn
