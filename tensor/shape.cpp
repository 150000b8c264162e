#include "tensor/shape.h"

#include "tensor/error.h"

namespace atn {

int64_t numel(const Shape& shape, const char* op) {
  int64_t product = 1;  // of the sizes other than 0; each step checked before it can overflow
  bool empty = false;
  for (int64_t s : shape) {
    if (s < 0) fail(op, ": negative size in shape ", to_string(shape));
    if (s == 0) {
      empty = true;
    } else {
      if (product > max_numel / s)
        fail(op, ": shape ", to_string(shape), " is too large (more than 2^36 elements, the most a tensor may hold)");
      product *= s;
    }
  }
  return empty ? 0 : product;
}

std::string to_string(const Shape& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

int64_t normalize_axis(int64_t axis, int64_t ndim, const char* op) {
  int64_t a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim) fail(op, ": axis ", axis, " out of range for a tensor with ", ndim, " dimensions");
  return a;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1) fail(op, ": shapes do not broadcast: ", to_string(a), " and ", to_string(b));
    out[i] = da == 1 ? db : da;
  }
  numel(out, op);  // [2^30, 1] and [1, 2^30] each fit; together they do not
  return out;
}

}  // namespace atn
