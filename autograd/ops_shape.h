// Differentiable layout and selection ops: reshape, transpose, slicing, concat/split, indexing,
// max along an axis, masked_fill and where.
//
// These ops move values around without changing them, so each backward moves the gradient
// back: a transpose's gradient is transposed back, a slice's lands in its region of zeros, a
// selected row's is added back into that row (twice if the row was selected twice).
#pragma once
#include <vector>

#include "autograd/tape.h"
#include "tensor/shape_ops.h"

namespace atn {

// Same values, new shape (one size may be -1). The value is a view sharing a's storage.
Var reshape(const Var& a, Shape shape);
// Merges axes start..end (inclusive, negative allowed) into one: flatten(x [B,T,D], 1) → [B, T·D].
Var flatten(const Var& a, int64_t start_axis = 0, int64_t end_axis = -1);
Var unsqueeze(const Var& a, int64_t axis);  // inserts a size-1 axis
Var squeeze(const Var& a, int64_t axis);    // removes a size-1 axis

Var transpose(const Var& a, int64_t axis0, int64_t axis1);
Var transpose(const Var& a);  // the last two axes
Var permute(const Var& a, const std::vector<int64_t>& dims);

// See tensor/shape_ops.h for the index rules (narrow is strict, slice is Python's).
Var narrow(const Var& a, int64_t axis, int64_t start, int64_t length);
Var slice(const Var& a, int64_t axis, int64_t start, int64_t stop = to_end, int64_t step = 1);
Var concat(const std::vector<Var>& parts, int64_t axis);
std::vector<Var> split(const Var& a, int64_t axis, const std::vector<int64_t>& sizes);
std::vector<Var> chunk(const Var& a, int64_t n, int64_t axis);

// Indices are constant tensors of whole numbers (see tensor/index_ops.h); only the values
// being picked from receive a gradient.
Var index_select(const Var& a, int64_t axis, const Tensor& indices);
Var embedding(const Var& weight, const Tensor& ids);  // weight [num, dim], ids any shape → ids.shape + [dim]
Var gather(const Var& a, int64_t axis, const Tensor& index);

// The largest value along `axis`. The whole gradient goes to the position of the maximum (the
// first one on ties, as argmax picks it); max is flat elsewhere, so the others get zero.
Var max(const Var& a, int64_t axis, bool keepdim = false);

// `value` where mask (broadcast to a's shape) is nonzero; those positions get zero gradient.
Var masked_fill(const Var& a, const Tensor& mask, real value);
// a where cond is nonzero, else b, all three broadcasting together. Each side's gradient is
// the output gradient where it was chosen, summed back to its own shape.
Var where(const Tensor& cond, const Var& a, const Var& b);

}  // namespace atn
