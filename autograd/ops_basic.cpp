#include "autograd/ops_basic.h"

#include "tensor/elementwise.h"
#include "tensor/matmul.h"
#include "tensor/reduce.h"

namespace atn {

// d(a+b) = da + db; accumulate_grad sums a broadcast gradient back to each input's shape.
Var add(const Var& a, const Var& b) {
  return record("add", add(a.value(), b.value()), {a, b}, [a, b](const Tensor& g) {
    a.accumulate_grad(g);
    b.accumulate_grad(g);
  });
}

Var sub(const Var& a, const Var& b) {
  return record("sub", sub(a.value(), b.value()), {a, b}, [a, b](const Tensor& g) {
    a.accumulate_grad(g);
    if (b.requires_grad()) b.accumulate_grad(neg(g));
  });
}

// d(ab) = b da + a db
Var mul(const Var& a, const Var& b) {
  return record("mul", mul(a.value(), b.value()), {a, b}, [a, b](const Tensor& g) {
    if (a.requires_grad()) a.accumulate_grad(mul(g, b.value()));
    if (b.requires_grad()) b.accumulate_grad(mul(g, a.value()));
  });
}

// d(a/b) = da / b − a db / b²
Var div(const Var& a, const Var& b) {
  return record("div", div(a.value(), b.value()), {a, b}, [a, b](const Tensor& g) {
    if (a.requires_grad()) a.accumulate_grad(div(g, b.value()));
    if (b.requires_grad())
      b.accumulate_grad(zip(mul(g, a.value()), b.value(), [](real ga, real y) { return -ga / (y * y); }, "div"));
  });
}

Var neg(const Var& a) {
  return record("neg", neg(a.value()), {a}, [a](const Tensor& g) { a.accumulate_grad(neg(g)); });
}

Var add(const Var& a, real s) {
  return record("add_scalar", add(a.value(), s), {a}, [a](const Tensor& g) { a.accumulate_grad(g); });
}

Var mul(const Var& a, real s) {
  return record("mul_scalar", mul(a.value(), s), {a}, [a, s](const Tensor& g) { a.accumulate_grad(mul(g, s)); });
}

Var rsub(real s, const Var& a) {
  return record("rsub_scalar", map(a.value(), [s](real x) { return s - x; }), {a},
                [a](const Tensor& g) { a.accumulate_grad(neg(g)); });
}

// d(s/a) = −s / a² da
Var rdiv(real s, const Var& a) {
  Tensor y = map(a.value(), [s](real x) { return s / x; });
  return record("rdiv_scalar", y, {a}, [a, y, s](const Tensor& g) {
    a.accumulate_grad(zip(g, y, [s](real gy, real q) { return -gy * q * q / s; }, "rdiv"));
  });
}

// C = op(A)·op(B): dA = dC·op(B)ᵀ, dB = op(A)ᵀ·dC, each transposed back when the operand was.
// Broadcast batch axes are summed back by accumulate_grad.
Var matmul(const Var& a, const Var& b, bool trans_a, bool trans_b) {
  return record("matmul", matmul(a.value(), b.value(), trans_a, trans_b), {a, b},
                [a, b, trans_a, trans_b](const Tensor& g) {
                  if (a.requires_grad())
                    a.accumulate_grad(trans_a ? matmul(b.value(), g, trans_b, true) : matmul(g, b.value(), false, !trans_b));
                  if (b.requires_grad())
                    b.accumulate_grad(trans_b ? matmul(g, a.value(), true, trans_a) : matmul(a.value(), g, !trans_a, false));
                });
}

Var sum(const Var& a) {
  return record("sum", sum(a.value()), {a}, [a](const Tensor& g) {
    a.accumulate_grad(Tensor::full(a.shape(), g.item()));
  });
}

// The gradient of a sum along an axis is the output gradient repeated along that axis.
Var sum(const Var& a, int64_t axis, bool keepdim) {
  const int64_t ax = normalize_axis(axis, a.dim(), "sum");
  return record("sum", sum(a.value(), ax, keepdim), {a}, [a, ax](const Tensor& g) {
    Shape kept = a.shape();
    kept[size_t(ax)] = 1;
    a.accumulate_grad(add(Tensor::zeros(a.shape()), g.reshape(kept)));
  });
}

Var mean(const Var& a) {
  if (a.numel() == 0) fail("mean: tensor of shape ", to_string(a.shape()), " is empty");
  return mul(sum(a), real(1) / real(a.numel()));
}

Var mean(const Var& a, int64_t axis, bool keepdim) {
  const int64_t ax = normalize_axis(axis, a.dim(), "mean");
  const int64_t n = a.shape()[size_t(ax)];
  if (n == 0) fail("mean: axis ", axis, " of shape ", to_string(a.shape()), " is empty");
  return mul(sum(a, ax, keepdim), real(1) / real(n));
}

}  // namespace atn
