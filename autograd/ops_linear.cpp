#include "autograd/ops_linear.h"

#include <algorithm>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "tensor/matmul.h"
#include "tensor/thread_pool.h"

namespace atn {

namespace {
// The bias gradient db[j] = Σ_r g[r, j], every column summed over the rows in order from 0 (the
// same bits as adding the rows one after another into zeros). Columns go in groups of 64 whose
// sums stay in registers while the rows stream past, instead of adding each row into db in
// memory; that is cheap enough that the small GPT's sums (768 × ≤ 512) would not pay back a
// thread handoff, so only bigger ones are split, by groups of columns, over the pool.
constexpr int64_t kBiasGradColumns = 64;
constexpr double kBiasGradParallelAdds = 1 << 19;

void sum_rows(const real* g, int64_t rows, int64_t cols, real* out) {
  auto sum_groups = [&](int64_t begin, int64_t end) {
    for (int64_t j0 = begin * kBiasGradColumns; j0 < std::min(cols, end * kBiasGradColumns); j0 += kBiasGradColumns) {
      real acc[kBiasGradColumns] = {};
      const int64_t w = std::min(kBiasGradColumns, cols - j0);
      if (w == kBiasGradColumns) {  // the constant width lets the compiler keep acc in registers
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t j = 0; j < kBiasGradColumns; ++j) acc[j] += g[r * cols + j0 + j];
      } else {
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t j = 0; j < w; ++j) acc[j] += g[r * cols + j0 + j];
      }
      std::copy_n(acc, w, out + j0);
    }
  };
  const int64_t groups = (cols + kBiasGradColumns - 1) / kBiasGradColumns;
  if (double(rows) * double(cols) >= kBiasGradParallelAdds)
    parallel_for(groups, sum_groups);
  else
    sum_groups(0, groups);
}

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
    if (bias.defined() && bias.requires_grad()) {  // db = Σ over rows of g
      Tensor db = Tensor::empty({out});
      sum_rows(g.data(), rows, out, db.data());
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
