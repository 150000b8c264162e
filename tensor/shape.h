// Shapes, element counts, axes and NumPy broadcasting.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace atn {

using real = float;  // the one place the element type is chosen
using Shape = std::vector<int64_t>;

int64_t numel(const Shape& shape);
std::string to_string(const Shape& shape);  // "[2, 3]"

// Row-major strides of a contiguous tensor of this shape.
Shape contiguous_strides(const Shape& shape);

// Maps a possibly negative axis (-1 = last) into [0, ndim); throws naming `op` otherwise.
int64_t normalize_axis(int64_t axis, int64_t ndim, const char* op);

// NumPy rules: align on the right, each pair of sizes equal or one of them 1.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace atn

namespace std {
inline ostream& operator<<(ostream& os, const atn::Shape& s) { return os << atn::to_string(s); }
}  // namespace std
