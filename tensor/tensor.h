// Tensor: float32 values in contiguous row-major storage, shared by views.
//
// Every tensor is contiguous. `reshape` and `narrow` along the first axis are views (they share
// the storage); everything else that changes the layout (transpose, permute, slices along
// other axes) makes a new tensor. This keeps every kernel a plain loop over memory.
#pragma once
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "tensor/allocator.h"
#include "tensor/error.h"
#include "tensor/shape.h"

namespace atn {

class Rng;

// The floats behind one or more tensors (views share it). Its block comes from
// tensor/allocator.h and goes back there when the last tensor using it is gone.
class Storage {
 public:
  explicit Storage(int64_t count);  // uninitialized
  ~Storage() { detail::free_block(block_); }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  real* data() { return block_.data; }

 private:
  detail::Block block_;
};

class Tensor {
 public:
  Tensor() = default;  // undefined: no storage (defined() is false)
  explicit Tensor(Shape shape, real fill = 0);
  Tensor(Shape shape, std::vector<real> values);

  // Factories.
  static Tensor zeros(Shape shape) { return Tensor(std::move(shape), 0); }
  // Uninitialized: for outputs that a kernel overwrites completely, which then need no fill.
  // Reading an element before writing it gives whatever the memory held.
  static Tensor empty(Shape shape);
  static Tensor ones(Shape shape) { return Tensor(std::move(shape), 1); }
  static Tensor full(Shape shape, real value) { return Tensor(std::move(shape), value); }
  static Tensor scalar(real value) { return Tensor(Shape{}, value); }
  static Tensor arange(real start, real stop, real step = 1);
  static Tensor arange(int64_t n) { return arange(0, real(n)); }
  static Tensor from(std::vector<real> values, Shape shape);   // checks the count
  static Tensor from(std::vector<real> values);                // 1-D
  static Tensor rand(Shape shape, Rng& rng, real low = 0, real high = 1);
  static Tensor randn(Shape shape, Rng& rng, real mean = 0, real std = 1);
  static Tensor zeros_like(const Tensor& t) { return zeros(t.shape()); }
  static Tensor ones_like(const Tensor& t) { return ones(t.shape()); }

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int64_t dim() const { return int64_t(shape_.size()); }
  int64_t size(int64_t axis) const;  // negative axes count from the end
  int64_t numel() const { return numel_; }

  real* data() { return storage_ ? storage_->data() + offset_ : nullptr; }
  const real* data() const { return storage_ ? storage_->data() + offset_ : nullptr; }
  real* begin() { return data(); }
  real* end() { return data() + numel_; }
  const real* begin() const { return data(); }
  const real* end() const { return data() + numel_; }

  // Flat element access (row-major index) and multi-index access with bounds checks.
  real& operator[](int64_t i) { return data()[i]; }
  real operator[](int64_t i) const { return data()[i]; }
  real& at(std::initializer_list<int64_t> index);
  real at(std::initializer_list<int64_t> index) const;
  real item() const;  // the value of a one-element tensor

  // Views sharing storage.
  Tensor reshape(Shape shape) const;  // one size may be -1
  Tensor flatten() const { return reshape({numel_}); }
  Tensor narrow0(int64_t start, int64_t length) const;  // rows [start, start+length) of axis 0

  Tensor clone() const;  // a deep copy
  void fill(real value);
  void copy_from(const Tensor& other);  // same number of elements
  std::vector<real> to_vector() const { return {begin(), end()}; }
  bool shares_storage_with(const Tensor& other) const { return storage_ && storage_ == other.storage_; }
  // Whether another tensor (a view, a copy of this handle) holds the same storage.
  bool storage_shared() const { return storage_.use_count() > 1; }

  std::string str(int precision = 4) const;  // PyTorch-like text

 private:
  std::shared_ptr<Storage> storage_;
  int64_t offset_ = 0;
  int64_t numel_ = 0;
  Shape shape_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// True when both have the same shape and every pair of values is within atol + rtol*|b|.
bool allclose(const Tensor& a, const Tensor& b, real rtol = 1e-5f, real atol = 1e-6f);
// Largest |a - b| over all elements (shapes must match).
real max_abs_diff(const Tensor& a, const Tensor& b);

}  // namespace atn
