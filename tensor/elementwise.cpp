#include "tensor/elementwise.h"

#include <algorithm>

namespace atn {

namespace detail {
Broadcast plan_broadcast(const Shape& a, const Shape& b, const char* op) {
  Broadcast p;
  p.out = broadcast_shapes(a, b, op);
  const size_t nd = p.out.size();
  auto strides_for = [&](const Shape& s) {
    Shape st(nd, 0);
    const Shape cs = contiguous_strides(s);
    for (size_t i = 0; i < s.size(); ++i) {
      size_t ax = nd - s.size() + i;
      st[ax] = s[i] == 1 ? 0 : cs[i];
    }
    return st;
  };
  p.stride_a = strides_for(a);
  p.stride_b = strides_for(b);
  return p;
}
}  // namespace detail

Tensor add(const Tensor& a, const Tensor& b) { return zip(a, b, [](real x, real y) { return x + y; }, "add"); }
Tensor sub(const Tensor& a, const Tensor& b) { return zip(a, b, [](real x, real y) { return x - y; }, "sub"); }
Tensor mul(const Tensor& a, const Tensor& b) { return zip(a, b, [](real x, real y) { return x * y; }, "mul"); }
Tensor div(const Tensor& a, const Tensor& b) { return zip(a, b, [](real x, real y) { return x / y; }, "div"); }
Tensor maximum(const Tensor& a, const Tensor& b) {
  return zip(a, b, [](real x, real y) { return std::max(x, y); }, "maximum");
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return zip(a, b, [](real x, real y) { return std::min(x, y); }, "minimum");
}
Tensor pow(const Tensor& a, const Tensor& b) { return zip(a, b, [](real x, real y) { return std::pow(x, y); }, "pow"); }
Tensor add(const Tensor& a, real s) { return map(a, [s](real x) { return x + s; }); }
Tensor mul(const Tensor& a, real s) { return map(a, [s](real x) { return x * s; }); }
Tensor pow(const Tensor& a, real p) {
  if (p == 2) return map(a, [](real x) { return x * x; });
  return map(a, [p](real x) { return std::pow(x, p); });
}
Tensor neg(const Tensor& a) { return map(a, [](real x) { return -x; }); }
Tensor exp(const Tensor& a) { return map(a, [](real x) { return std::exp(x); }); }
Tensor log(const Tensor& a) { return map(a, [](real x) { return std::log(x); }); }
Tensor sqrt(const Tensor& a) { return map(a, [](real x) { return std::sqrt(x); }); }
Tensor abs(const Tensor& a) { return map(a, [](real x) { return std::fabs(x); }); }
Tensor tanh(const Tensor& a) { return map(a, [](real x) { return std::tanh(x); }); }
Tensor sigmoid(const Tensor& a) {
  // Written so that neither branch overflows: exp of a non-positive number only.
  return map(a, [](real x) {
    if (x >= 0) return 1 / (1 + std::exp(-x));
    real e = std::exp(x);
    return e / (1 + e);
  });
}
Tensor relu(const Tensor& a) { return map(a, [](real x) { return x > 0 ? x : real(0); }); }
Tensor clamp(const Tensor& a, real low, real high) {
  if (low > high) fail("clamp: low ", low, " is above high ", high);
  return map(a, [=](real x) { return std::min(std::max(x, low), high); });
}

void add_(Tensor& a, const Tensor& b) {
  if (a.shape() == b.shape()) {
    real* pa = a.data();
    const real* pb = b.data();
    detail::for_chunks(a.numel(), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) pa[i] += pb[i];
    });
    return;
  }
  if (broadcast_shapes(a.shape(), b.shape(), "add_") != a.shape())
    fail("add_: cannot add ", to_string(b.shape()), " into ", to_string(a.shape()), " in place");
  a.copy_from(add(a, b));
}

void axpy_(Tensor& a, real s, const Tensor& b) {
  if (a.shape() != b.shape()) fail("axpy_: shapes differ: ", to_string(a.shape()), " and ", to_string(b.shape()));
  real* pa = a.data();
  const real* pb = b.data();
  detail::for_chunks(a.numel(), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) pa[i] += s * pb[i];
  });
}

void scale_(Tensor& a, real s) {
  for (real& x : a) x *= s;
}

Tensor eq(const Tensor& a, const Tensor& b) { return zip(a, b, [](real x, real y) { return real(x == y); }, "eq"); }
Tensor ne(const Tensor& a, const Tensor& b) { return zip(a, b, [](real x, real y) { return real(x != y); }, "ne"); }
Tensor lt(const Tensor& a, const Tensor& b) { return zip(a, b, [](real x, real y) { return real(x < y); }, "lt"); }
Tensor le(const Tensor& a, const Tensor& b) { return zip(a, b, [](real x, real y) { return real(x <= y); }, "le"); }
Tensor gt(const Tensor& a, const Tensor& b) { return zip(a, b, [](real x, real y) { return real(x > y); }, "gt"); }
Tensor ge(const Tensor& a, const Tensor& b) { return zip(a, b, [](real x, real y) { return real(x >= y); }, "ge"); }

}  // namespace atn
