// Elementwise kernels: map (one tensor) and zip (two tensors, NumPy broadcasting), and the
// named operations built from them. No gradients here; autograd/ builds on these.
#pragma once
#include <cmath>

#include "tensor/tensor.h"
#include "tensor/thread_pool.h"

namespace atn {

namespace detail {
// Long elementwise loops are cut into chunks of this many elements and spread over the thread
// pool. The cut depends on the length alone, and each element is computed on its own, so the
// thread count never changes a result.
inline constexpr int64_t kElementwiseGrain = int64_t(1) << 15;

// body(begin, end) over [0, n) in chunks; inline when there is only one.
template <class Body>
void for_chunks(int64_t n, const Body& body) {
  if (n <= kElementwiseGrain) body(int64_t(0), n);
  else parallel_for(n, body, kElementwiseGrain);
}

// How two shapes meet under broadcasting: the output shape and, for each input, the element
// stride along every output axis (0 where that input is broadcast).
struct Broadcast {
  Shape out, stride_a, stride_b;
};
Broadcast plan_broadcast(const Shape& a, const Shape& b, const char* op);
}  // namespace detail

template <class F>
Tensor map(const Tensor& a, F f) {
  Tensor out = Tensor::empty(a.shape());  // every element is written below
  const real* pa = a.data();
  real* po = out.data();
  detail::for_chunks(a.numel(), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) po[i] = f(pa[i]);
  });
  return out;
}

template <class F>
Tensor zip(const Tensor& a, const Tensor& b, F f, const char* op) {
  const real* pa = a.data();
  const real* pb = b.data();
  if (a.shape() == b.shape()) {
    Tensor out = Tensor::empty(a.shape());  // every element is written below
    real* po = out.data();
    detail::for_chunks(a.numel(), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) po[i] = f(pa[i], pb[i]);
    });
    return out;
  }
  const detail::Broadcast plan = detail::plan_broadcast(a.shape(), b.shape(), op);
  Tensor out = Tensor::empty(plan.out);
  if (out.numel() == 0) return out;
  real* po = out.data();
  const size_t nd = plan.out.size();
  // Walk the outer axes with an odometer; the last axis is a plain loop the compiler vectorizes.
  const int64_t inner = plan.out[nd - 1], sa = plan.stride_a[nd - 1], sb = plan.stride_b[nd - 1];
  std::vector<int64_t> idx(nd, 0);
  int64_t oa = 0, ob = 0;
  for (int64_t o = 0, outer = out.numel() / inner; o < outer; ++o) {
    real* row = po + o * inner;
    if (sa == 1 && sb == 1) for (int64_t j = 0; j < inner; ++j) row[j] = f(pa[oa + j], pb[ob + j]);
    else if (sa == 1) for (int64_t j = 0; j < inner; ++j) row[j] = f(pa[oa + j], pb[ob]);
    else if (sb == 1) for (int64_t j = 0; j < inner; ++j) row[j] = f(pa[oa], pb[ob + j]);
    else for (int64_t j = 0; j < inner; ++j) row[j] = f(pa[oa], pb[ob]);
    for (size_t ax = nd - 1; ax-- > 0;) {
      oa += plan.stride_a[ax];
      ob += plan.stride_b[ax];
      if (++idx[ax] < plan.out[ax]) break;
      oa -= plan.stride_a[ax] * plan.out[ax];
      ob -= plan.stride_b[ax] * plan.out[ax];
      idx[ax] = 0;
    }
  }
  return out;
}

// Arithmetic with broadcasting.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, real s);
Tensor mul(const Tensor& a, real s);
Tensor pow(const Tensor& a, real p);
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor relu(const Tensor& a);
Tensor clamp(const Tensor& a, real low, real high);

// In place: a += b (b broadcast to a's shape), a += s * b (same shape), a *= s.
void add_(Tensor& a, const Tensor& b);
void axpy_(Tensor& a, real s, const Tensor& b);
void scale_(Tensor& a, real s);

// Comparisons give 1 where true and 0 where false (a mask of the broadcast shape).
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);

// Operator sugar for tensors (no gradients): a + b, a * 2, -a ...
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, real s) { return add(a, s); }
inline Tensor operator-(const Tensor& a, real s) { return add(a, -s); }
inline Tensor operator*(const Tensor& a, real s) { return mul(a, s); }
inline Tensor operator/(const Tensor& a, real s) { return mul(a, 1 / s); }
inline Tensor operator*(real s, const Tensor& a) { return mul(a, s); }
inline Tensor operator-(const Tensor& a) { return neg(a); }

}  // namespace atn
