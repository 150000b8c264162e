// Shapes, element counts, axes and NumPy broadcasting.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace atn {

using real = float;  // the one place the element type is chosen
using Shape = std::vector<int64_t>;

// The most elements a tensor may have: 2^36, i.e. 256 GiB of float32, beyond any machine this
// library is meant for and below the largest allocation the sanitizers accept (1 TiB). A shape
// asking for more is a bug (often an overflowed size computation), reported as an Error rather
// than a std::bad_alloc, a crash or a wrapped-around element count.
inline constexpr int64_t max_numel = int64_t(1) << 36;

// The number of elements of `shape`. Throws naming `op` if a size is negative, or if the product
// of the sizes other than 0 exceeds max_numel: [0, 2^40] is refused too, so that in a valid
// shape every partial product (strides, the counts around an axis) fits easily in int64_t.
int64_t numel(const Shape& shape, const char* op = "numel");
std::string to_string(const Shape& shape);  // "[2, 3]"

// Row-major strides of a contiguous tensor of this shape.
Shape contiguous_strides(const Shape& shape);

// Maps a possibly negative axis (-1 = last) into [0, ndim); throws naming `op` otherwise.
int64_t normalize_axis(int64_t axis, int64_t ndim, const char* op);

// NumPy rules: align on the right, each pair of sizes equal or one of them 1. The result must be
// a valid shape (see numel).
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace atn

namespace std {
inline ostream& operator<<(ostream& os, const atn::Shape& s) { return os << atn::to_string(s); }
}  // namespace std
