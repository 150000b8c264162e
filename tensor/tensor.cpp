#include "tensor/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <new>
#include <sstream>

#include "tensor/rng.h"

namespace atn {

Storage::Storage(int64_t count) : block_(detail::allocate_block(size_t(count))) {}

namespace {
std::shared_ptr<Storage> new_storage(const Shape& shape, int64_t count) {
  try {
    return std::make_shared<Storage>(count);
  } catch (const std::bad_alloc&) {  // a size within max_numel that this machine cannot hold
    fail("Tensor: out of memory for shape ", to_string(shape), " (", count, " elements)");
  }
}
}  // namespace

Tensor::Tensor(Shape shape, real fill) : shape_(std::move(shape)) {
  numel_ = atn::numel(shape_, "Tensor");
  storage_ = new_storage(shape_, numel_);
  std::fill(begin(), end(), fill);
}

Tensor::Tensor(Shape shape, std::vector<real> values) : shape_(std::move(shape)) {
  numel_ = atn::numel(shape_, "Tensor");
  if (int64_t(values.size()) != numel_)
    fail("Tensor: ", values.size(), " values do not fill shape ", to_string(shape_), " (", numel_, " elements)");
  storage_ = new_storage(shape_, numel_);
  std::copy(values.begin(), values.end(), begin());
}

Tensor Tensor::empty(Shape shape) {
  Tensor t;
  t.numel_ = atn::numel(shape, "Tensor::empty");
  t.shape_ = std::move(shape);
  t.storage_ = new_storage(t.shape_, t.numel_);
  return t;
}

Tensor Tensor::arange(real start, real stop, real step) {
  if (!std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step))
    fail("arange: start, stop and step must be finite, got ", start, ", ", stop, ", ", step);
  if (step == 0) fail("arange: step must not be zero");
  const double count = std::ceil((double(stop) - start) / step);
  // Checked as a double: converting a count beyond int64_t to an integer is undefined.
  if (count > double(max_numel))
    fail("arange: [", start, ", ", stop, ") in steps of ", step, " has more than 2^36 elements");
  const int64_t n = count > 0 ? int64_t(count) : 0;
  Tensor t({n});
  for (int64_t i = 0; i < n; ++i) t[i] = real(start + double(step) * double(i));
  return t;
}

Tensor Tensor::from(std::vector<real> values, Shape shape) { return Tensor(std::move(shape), std::move(values)); }
Tensor Tensor::from(std::vector<real> values) {
  auto n = int64_t(values.size());
  return Tensor({n}, std::move(values));
}

Tensor Tensor::rand(Shape shape, Rng& rng, real low, real high) {
  Tensor t(std::move(shape));
  for (real& v : t) v = low + (high - low) * rng.uniform();
  return t;
}

Tensor Tensor::randn(Shape shape, Rng& rng, real mean, real std) {
  Tensor t(std::move(shape));
  for (real& v : t) v = mean + std * rng.normal();
  return t;
}

int64_t Tensor::size(int64_t axis) const { return shape_[size_t(normalize_axis(axis, dim(), "size"))]; }

real& Tensor::at(std::initializer_list<int64_t> index) {
  if (int64_t(index.size()) != dim()) fail("at: ", index.size(), " indices for a tensor of shape ", to_string(shape_));
  int64_t flat = 0, k = 0;
  for (int64_t i : index) {
    int64_t n = shape_[size_t(k++)];
    if (i < 0) i += n;
    if (i < 0 || i >= n) fail("at: index ", i, " out of range for axis ", k - 1, " of shape ", to_string(shape_));
    flat = flat * n + i;
  }
  return data()[flat];
}
real Tensor::at(std::initializer_list<int64_t> index) const { return const_cast<Tensor*>(this)->at(index); }

real Tensor::item() const {
  if (numel_ != 1) fail("item: tensor of shape ", to_string(shape_), " has ", numel_, " elements, not 1");
  return data()[0];
}

Tensor Tensor::reshape(Shape shape) const {
  Shape known = shape;  // the -1, if any, replaced by 1
  int64_t infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) fail("reshape: more than one -1 in ", to_string(shape));
      infer = int64_t(i);
      known[i] = 1;
    } else if (shape[i] < 0) {
      fail("reshape: negative size in ", to_string(shape));
    }
  }
  const int64_t k = atn::numel(known, "reshape");  // refuses absurd sizes before any arithmetic
  if (infer >= 0) {
    if (k == 0 || numel_ % k != 0) fail("reshape: cannot reshape ", to_string(shape_), " into ", to_string(shape));
    shape[size_t(infer)] = numel_ / k;
  } else if (k != numel_) {
    fail("reshape: cannot reshape ", to_string(shape_), " into ", to_string(shape));
  }
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::narrow0(int64_t start, int64_t length) const {
  if (dim() == 0) fail("narrow0: a scalar has no axis 0");
  // length > size − start rather than start + length > size, which can overflow.
  if (start < 0 || length < 0 || start > shape_[0] || length > shape_[0] - start)
    fail("narrow0: ", length, " rows from row ", start, " out of range for shape ", to_string(shape_));
  Tensor t = *this;
  int64_t row = shape_[0] ? numel_ / shape_[0] : 0;
  t.offset_ += start * row;
  t.shape_[0] = length;
  t.numel_ = length * row;
  return t;
}

Tensor Tensor::clone() const {
  if (!defined()) return {};
  Tensor t = empty(shape_);
  std::copy(begin(), end(), t.begin());
  return t;
}

void Tensor::fill(real value) { std::fill(begin(), end(), value); }

void Tensor::copy_from(const Tensor& other) {
  if (other.numel() != numel_) fail("copy_from: ", to_string(other.shape()), " into ", to_string(shape_));
  std::copy(other.begin(), other.end(), begin());
}

namespace {
// Writes one axis of the nested-bracket text, eliding the middle of long axes like PyTorch.
void print_axis(std::ostringstream& os, const real* p, const Shape& shape, const Shape& strides, size_t axis,
                int precision, int indent) {
  const int64_t n = shape[axis];
  const int64_t edge = 3, limit = 8;
  os << '[';
  for (int64_t i = 0; i < n; ++i) {
    if (n > limit && i == edge) {
      os << (axis + 1 == shape.size() ? "..., " : "...,\n" + std::string(size_t(indent + 1), ' '));
      i = n - edge;
    }
    if (axis + 1 == shape.size()) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.*f", precision, double(p[i]));
      os << buf;
    } else {
      print_axis(os, p + i * strides[axis], shape, strides, axis + 1, precision, indent + 1);
    }
    if (i + 1 < n) {
      if (axis + 1 == shape.size()) os << ", ";
      else os << ",\n" << std::string(shape.size() - axis - 2, '\n') << std::string(size_t(indent + 1), ' ');
    }
  }
  os << ']';
}
}  // namespace

std::string Tensor::str(int precision) const {
  if (!defined()) return "tensor(undefined)";
  std::ostringstream os;
  os << "tensor(";
  if (dim() == 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", precision, double(data()[0]));
    os << buf;
  } else {
    print_axis(os, data(), shape_, contiguous_strides(shape_), 0, precision, 7);
  }
  os << ", shape=" << to_string(shape_) << ")";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

real max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) fail("max_abs_diff: shapes differ: ", to_string(a.shape()), " and ", to_string(b.shape()));
  real m = 0;
  for (int64_t i = 0; i < a.numel(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

bool allclose(const Tensor& a, const Tensor& b, real rtol, real atol) {
  if (a.shape() != b.shape()) return false;
  for (int64_t i = 0; i < a.numel(); ++i) {
    if (std::isnan(a[i]) != std::isnan(b[i])) return false;
    if (std::fabs(a[i] - b[i]) > atol + rtol * std::fabs(b[i])) return false;
  }
  return true;
}

}  // namespace atn
