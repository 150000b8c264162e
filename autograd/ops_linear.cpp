#include "autograd/ops_linear.h"

#include <algorithm>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "tensor/matmul.h"

namespace atn {

namespace {
void check_linear(const Var& x, const Var& weight, const Var& bias, const char* op) {
  if (weight.dim() != 2) fail(op, ": weight ", to_string(weight.shape()), " is not [out, in]");
  if (x.dim() < 1 || x.size(-1) != weight.size(1))
    fail(op, ": input ", to_string(x.shape()), " is not [..., in] with in=", weight.size(1), " (weight ",
         to_string(weight.shape()), ")");
  if (bias.defined() && bias.shape() != Shape{weight.size(0)})
    fail(op, ": bias ", to_string(bias.shape()), " is not [", weight.size(0), "]");
}
}  // namespace

Var linear(const Var& x, const Var& weight, const Var& bias) {
  check_linear(x, weight, bias, "linear");
  const int64_t in = weight.size(1), out = weight.size(0);
  const int64_t rows = numel(Shape(x.shape().begin(), x.shape().end() - 1));  // in may be 0
  Shape out_shape = x.shape();
  out_shape.back() = out;
  Tensor y = Tensor::empty(out_shape);  // y = b + x Wᵀ, the bias added inside the product
  gemm(rows, out, in, x.value().data(), false, weight.value().data(), true, y.data(), false,
       bias.defined() ? bias.value().data() : nullptr);
  std::vector<Var> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  return record("linear", y, inputs, [x, weight, bias, rows, in, out](const Tensor& g) {
    if (x.requires_grad()) {  // dx = g W
      Tensor dx = Tensor::empty(x.shape());
      gemm(rows, in, out, g.data(), false, weight.value().data(), false, dx.data(), false);
      x.accumulate_grad(std::move(dx));
    }
    if (weight.requires_grad()) {  // dW = gᵀ x
      Tensor dw = Tensor::empty({out, in});
      gemm(out, in, rows, g.data(), true, x.value().data(), false, dw.data(), false);
      weight.accumulate_grad(std::move(dw));
    }
    if (bias.defined() && bias.requires_grad()) {  // db = Σ over rows of g, rows in order
      Tensor db = Tensor::zeros({out});
      real* pdb = db.data();
      const real* pg = g.data();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < out; ++j) pdb[j] += pg[r * out + j];
      bias.accumulate_grad(std::move(db));
    }
  });
}

Var linear_composed(const Var& x, const Var& weight, const Var& bias) {
  check_linear(x, weight, bias, "linear_composed");
  Shape out_shape = x.shape();
  out_shape.back() = weight.size(0);
  Var y = matmul(reshape(x, {-1, weight.size(1)}), weight, false, true);  // [rows, in]·Wᵀ
  if (bias.defined()) y = y + bias;
  return reshape(y, out_shape);
}

}  // namespace atn
