// A deterministic fuzz test: every tensor and autograd op that takes a size, an axis, a count
// or an index is called thousands of times with hostile values (huge, negative, zero, NaN),
// on small random tensors. Each call must either succeed with a consistent result or throw
// atn::Error; any other exception fails the test, and a crash or an out-of-bounds access (run it
// with `make test SAN=1 TEST_ARGS=--gtest_filter='Fuzz*'`) fails it harder.
//
// The huge values are all above max_numel, so a shape using one is refused whatever else it
// holds: no case can ask for an allocation that is legal but larger than the machine.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/ops_basic.h"
#include "autograd/ops_dropout.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_norm.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "tensor/elementwise.h"
#include "tensor/index_ops.h"
#include "tensor/matmul.h"
#include "tensor/reduce.h"
#include "tensor/rng.h"
#include "tensor/shape_ops.h"
#include "tensor/softmax.h"

namespace atn {
namespace {

constexpr int64_t kHuge[] = {INT64_MAX, INT64_MAX - 1, (int64_t(1) << 62) + 1, int64_t(1) << 40, max_numel + 1,
                             INT64_MIN, INT64_MIN + 1, -(int64_t(1) << 62)};

// Draws hostile values and records each one, so a failure message says exactly what was called.
struct Fuzz {
  std::mt19937_64 gen;
  std::ostringstream log;

  explicit Fuzz(uint64_t seed) : gen(seed) {}
  int64_t below(int64_t n) { return int64_t(gen() % uint64_t(n)); }
  bool coin() { return gen() & 1; }

  // A size, a start, a count: mostly small (including 0 and negatives), sometimes huge.
  int64_t number(const char* what) {
    const int64_t v = below(3) == 0 ? kHuge[below(std::size(kHuge))] : below(9) - 3;
    log << what << "=" << v << " ";
    return v;
  }
  int64_t axis(const char* what = "axis") {
    const int64_t v = below(5) == 0 ? kHuge[below(std::size(kHuge))] : below(9) - 4;
    log << what << "=" << v << " ";
    return v;
  }
  Shape shape(const char* what = "shape") {  // hostile: any size at all
    Shape s(size_t(below(5)));
    for (int64_t& d : s) d = below(3) == 0 ? number("") : below(4);
    log << what << "=" << to_string(s) << " ";
    return s;
  }
  Shape small_shape(int64_t min_rank = 0) {  // a real tensor's: sizes 0 to 3
    Shape s(size_t(min_rank + below(4 - min_rank)));
    for (int64_t& d : s) d = below(4);
    return s;
  }
  Tensor tensor(const char* what = "t", int64_t min_rank = 0) {
    Tensor t(small_shape(min_rank));
    for (real& v : t) v = real(below(7)) - 3;
    log << what << to_string(t.shape()) << " ";
    return t;
  }
  // Indices or targets: mostly valid-looking whole numbers, sometimes not.
  Tensor indices(const char* what = "index") {
    static const real odd[] = {-1, 0.5f, 1e30f, -1e30f, NAN, INFINITY};
    Tensor t(small_shape());
    for (real& v : t) v = below(4) == 0 ? odd[below(std::size(odd))] : real(below(4));
    log << what << to_string(t.shape()) << " ";
    return t;
  }
  real value(const char* what) {
    static const real pool[] = {0, 1, -1, 0.5f, 3.5f, 1e30f, -1e30f, 1e-30f, NAN, INFINITY, -INFINITY};
    const real v = pool[below(std::size(pool))];
    log << what << "=" << v << " ";
    return v;
  }
  std::vector<int64_t> list(const char* what) {
    std::vector<int64_t> v(size_t(below(5)));
    for (int64_t& x : v) x = below(3) == 0 ? number("") : below(4);
    log << what << "=" << to_string(v) << " ";
    return v;
  }
};

// Consistency checks shared by the ops: a tensor whose element count is its shape's product.
void expect_consistent(const Tensor& t) {
  ASSERT_TRUE(t.defined());
  EXPECT_EQ(t.numel(), numel(t.shape()));
}
// The shape of t with axis `ax` replaced by n.
Shape with_axis(Shape s, int64_t ax, int64_t n) {
  s[size_t(ax)] = n;
  return s;
}
int64_t norm_axis(int64_t axis, int64_t ndim) { return axis < 0 ? axis + ndim : axis; }

// A differentiable result: its backward must run (or throw Error) and give each input a
// gradient of its own shape.
void expect_backward(const Var& y, const std::vector<Var>& inputs) {
  expect_consistent(y.value());
  if (!y.requires_grad()) return;
  backward(sum(y));
  for (const Var& x : inputs) {
    if (x.requires_grad() && x.has_grad()) {
      EXPECT_EQ(x.grad().shape(), x.shape());
    }
  }
}

using Case = std::function<void(Fuzz&)>;

std::vector<std::pair<const char*, Case>> tensor_cases() {
  return {
      {"Tensor", [](Fuzz& z) { expect_consistent(Tensor(z.shape(), 1)); }},
      {"Tensor::from",
       [](Fuzz& z) {
         const Shape s = z.shape();
         expect_consistent(Tensor::from(std::vector<real>(size_t(z.below(5))), s));
       }},
      {"arange",
       [](Fuzz& z) {
         const real a = z.value("start"), b = z.value("stop"), c = z.value("step");
         const Tensor t = Tensor::arange(a, b, c);
         expect_consistent(t);
         EXPECT_LE(t.numel(), max_numel);
       }},
      {"reshape",
       [](Fuzz& z) {
         const Tensor t = z.tensor();
         const Tensor r = t.reshape(z.shape());
         EXPECT_EQ(r.numel(), t.numel());
         EXPECT_TRUE(r.numel() == 0 || r.shares_storage_with(t));
       }},
      {"narrow0",
       [](Fuzz& z) {
         const Tensor t = z.tensor();
         const int64_t start = z.number("start"), length = z.number("length");
         const Tensor r = t.narrow0(start, length);
         EXPECT_EQ(r.shape(), with_axis(t.shape(), 0, length));
       }},
      {"size", [](Fuzz& z) { EXPECT_GE(z.tensor().size(z.axis()), 0); }},
      {"transpose",
       [](Fuzz& z) {
         const Tensor t = z.tensor();
         expect_consistent(transpose(t, z.axis(), z.axis()));
       }},
      {"permute",
       [](Fuzz& z) {
         const Tensor t = z.tensor();
         EXPECT_EQ(permute(t, z.list("dims")).numel(), t.numel());
       }},
      {"narrow",
       [](Fuzz& z) {
         const Tensor t = z.tensor();
         const int64_t axis = z.axis(), start = z.number("start"), length = z.number("length");
         const Tensor r = narrow(t, axis, start, length);
         EXPECT_EQ(r.shape(), with_axis(t.shape(), norm_axis(axis, t.dim()), length));
       }},
      {"slice",
       [](Fuzz& z) {
         const Tensor t = z.tensor();
         const int64_t axis = z.axis(), start = z.number("start"), stop = z.number("stop"), step = z.number("step");
         const Tensor r = slice(t, axis, start, stop, step);
         const int64_t ax = norm_axis(axis, t.dim());
         EXPECT_LE(r.shape()[size_t(ax)], t.shape()[size_t(ax)]);
         EXPECT_EQ(r.shape(), with_axis(t.shape(), ax, r.shape()[size_t(ax)]));
       }},
      {"slice_add_",
       [](Fuzz& z) {
         Tensor target = z.tensor("target");
         const Tensor src = z.tensor("src");
         slice_add_(target, z.axis(), z.number("start"), z.number("step"), src);
         expect_consistent(target);
       }},
      {"concat",
       [](Fuzz& z) {
         std::vector<Tensor> parts(size_t(z.below(4)));
         for (Tensor& p : parts) p = z.tensor("part");
         const int64_t axis = z.axis();
         const Tensor r = concat(parts, axis);
         int64_t total = 0;
         for (const Tensor& p : parts) total += p.numel();
         EXPECT_EQ(r.numel(), total);
       }},
      {"split",
       [](Fuzz& z) {
         const Tensor t = z.tensor();
         const int64_t axis = z.axis();
         const std::vector<int64_t> sizes = z.list("sizes");
         const std::vector<Tensor> pieces = split(t, axis, sizes);
         ASSERT_EQ(pieces.size(), sizes.size());
         for (size_t k = 0; k < pieces.size(); ++k) EXPECT_EQ(pieces[k].size(axis), sizes[k]);
       }},
      {"chunk",
       [](Fuzz& z) {
         const Tensor t = z.tensor();
         const int64_t n = z.number("n"), axis = z.axis();
         const std::vector<Tensor> pieces = chunk(t, n, axis);
         const int64_t size = t.size(axis);
         EXPECT_LE(int64_t(pieces.size()), std::max<int64_t>(size, 1));
         EXPECT_LE(int64_t(pieces.size()), n);
         int64_t total = 0;
         for (const Tensor& p : pieces) total += p.size(axis);
         EXPECT_EQ(total, size);
       }},
      {"unsqueeze/squeeze",
       [](Fuzz& z) {
         const Tensor t = z.tensor();
         expect_consistent(z.coin() ? unsqueeze(t, z.axis()) : squeeze(t, z.axis()));
       }},
      {"index_select",
       [](Fuzz& z) {
         const Tensor t = z.tensor();
         const int64_t axis = z.axis();
         expect_consistent(index_select(t, axis, z.indices()));
       }},
      {"index_add_",
       [](Fuzz& z) {
         Tensor target = z.tensor("target");
         const int64_t axis = z.axis();
         const Tensor idx = z.indices(), src = z.tensor("src");
         index_add_(target, axis, idx, src);
       }},
      {"embedding",
       [](Fuzz& z) {
         const Tensor w = z.tensor("weight");
         expect_consistent(embedding(w, z.indices("ids")));
       }},
      {"gather/scatter_add",
       [](Fuzz& z) {
         Tensor t = z.tensor();
         const int64_t axis = z.axis();
         const Tensor idx = z.indices();
         if (z.coin()) {
           EXPECT_EQ(gather(t, axis, idx).shape(), idx.shape());
         } else {
           const Shape s = z.coin() ? t.shape() : z.shape();
           expect_consistent(scatter_add(s, axis, idx, z.tensor("src")));
         }
       }},
      {"masked_fill/where",
       [](Fuzz& z) {
         const Tensor t = z.tensor(), m = z.tensor("mask");
         if (z.coin()) {
           EXPECT_EQ(masked_fill(t, m, 0).shape(), t.shape());
         } else {
           expect_consistent(where(m, t, z.tensor("b")));
         }
       }},
      {"broadcast add/mul",
       [](Fuzz& z) {
         const Tensor a = z.tensor("a"), b = z.tensor("b");
         expect_consistent(z.coin() ? add(a, b) : mul(a, b));
       }},
      {"sum_to",
       [](Fuzz& z) {
         const Tensor t = z.tensor();
         const Shape s = z.shape();
         EXPECT_EQ(sum_to(t, s).shape(), s);
       }},
      {"reductions",
       [](Fuzz& z) {
         const Tensor t = z.tensor();
         const int64_t axis = z.axis(), which = z.below(4);
         const bool keep = z.coin();
         const Tensor r = which == 0 ? sum(t, axis, keep) : which == 1 ? mean(t, axis, keep)
                                                          : which == 2 ? max(t, axis, keep) : argmax(t, axis, keep);
         EXPECT_EQ(r.dim(), keep ? t.dim() : t.dim() - 1);
       }},
      {"softmax kernels",
       [](Fuzz& z) {
         const Tensor t = z.tensor();
         const int64_t axis = z.axis(), which = z.below(4);
         const Tensor r = which == 0 ? softmax(t, axis)
                          : which == 1 ? log_softmax(t, axis)
                          : which == 2 ? softmax_backward(softmax(t), t, axis)
                                       : log_softmax_backward(log_softmax(t), z.tensor("g"), axis);
         EXPECT_EQ(r.shape(), t.shape());
       }},
      {"matmul",
       [](Fuzz& z) {
         const Tensor a = z.tensor("a", 2), b = z.tensor("b", 2);
         const bool ta = z.coin(), tb = z.coin();
         const Tensor c = matmul(a, b, ta, tb);
         expect_consistent(c);
         EXPECT_EQ(c.to_vector(), matmul_naive(a, b, ta, tb).to_vector());
       }},
      {"at", [](Fuzz& z) { EXPECT_TRUE(std::isfinite(z.tensor().at({z.number("i"), z.number("j")}))); }},
  };
}

std::vector<std::pair<const char*, Case>> var_cases() {
  return {
      {"Var reshape/flatten",
       [](Fuzz& z) {
         const Var x = param(z.tensor());
         expect_backward(z.coin() ? reshape(x, z.shape()) : flatten(x, z.axis("start"), z.axis("end")), {x});
       }},
      {"Var unsqueeze/squeeze/transpose/permute",
       [](Fuzz& z) {
         const Var x = param(z.tensor());
         const int64_t which = z.below(4);
         expect_backward(which == 0   ? unsqueeze(x, z.axis())
                         : which == 1 ? squeeze(x, z.axis())
                         : which == 2 ? transpose(x, z.axis(), z.axis())
                                      : permute(x, z.list("dims")),
                         {x});
       }},
      {"Var narrow/slice",
       [](Fuzz& z) {
         const Var x = param(z.tensor());
         const int64_t axis = z.axis(), start = z.number("start"), n = z.number("length/stop");
         expect_backward(z.coin() ? narrow(x, axis, start, n) : slice(x, axis, start, n, z.number("step")), {x});
       }},
      {"Var concat/split/chunk",
       [](Fuzz& z) {
         const Var x = param(z.tensor()), y = param(z.tensor("y"));
         const int64_t axis = z.axis(), which = z.below(3);
         if (which == 0) return expect_backward(concat({x, y}, axis), {x, y});
         const std::vector<Var> pieces = which == 1 ? split(x, axis, z.list("sizes")) : chunk(x, z.number("n"), axis);
         if (!pieces.empty()) expect_backward(concat(pieces, axis), {x});
       }},
      {"Var index_select/embedding/gather/max",
       [](Fuzz& z) {
         const Var x = param(z.tensor());
         const int64_t axis = z.axis(), which = z.below(4);
         expect_backward(which == 0   ? index_select(x, axis, z.indices())
                         : which == 1 ? embedding(x, z.indices("ids"))
                         : which == 2 ? gather(x, axis, z.indices())
                                      : max(x, axis, z.coin()),
                         {x});
       }},
      {"Var masked_fill/where/broadcast",
       [](Fuzz& z) {
         const Var a = param(z.tensor("a")), b = param(z.tensor("b"));
         const Tensor m = z.tensor("mask");
         const int64_t which = z.below(3);
         expect_backward(which == 0 ? masked_fill(a, m, 1) : which == 1 ? where(m, a, b) : a * b, {a, b});
       }},
      {"Var sum/mean",
       [](Fuzz& z) {
         const Var x = param(z.tensor());
         const int64_t axis = z.axis();
         expect_backward(z.coin() ? sum(x, axis, z.coin()) : mean(x, axis, z.coin()), {x});
       }},
      {"Var softmax/log_softmax",
       [](Fuzz& z) {
         const Var x = param(z.tensor());
         const int64_t axis = z.axis();
         expect_backward(z.coin() ? softmax(x, axis) : log_softmax(x, axis), {x});
       }},
      {"Var matmul",
       [](Fuzz& z) {
         const Var a = param(z.tensor("a")), b = param(z.tensor("b"));
         expect_backward(matmul(a, b, z.coin(), z.coin()), {a, b});
       }},
      {"layer_norm",
       [](Fuzz& z) {
         const Var x = param(z.tensor()), w = param(z.tensor("w")), b = param(z.tensor("b"));
         expect_backward(layer_norm(x, z.coin() ? w : Var(), z.coin() ? b : Var(), z.value("eps")), {x, w, b});
       }},
      {"losses",
       [](Fuzz& z) {
         const Var x = param(z.tensor("logits"));
         const Tensor targets = z.indices("targets");
         CrossEntropyOptions o;
         o.ignore_index = z.number("ignore_index");
         o.label_smoothing = z.value("label_smoothing");
         o.smoothing_style = z.coin() ? SmoothingStyle::pytorch : SmoothingStyle::annotated_transformer;
         o.reduction = z.coin() ? Reduction::mean : Reduction::none;
         const int64_t which = z.below(3);
         expect_backward(which == 0   ? cross_entropy(x, targets, o)
                         : which == 1 ? nll_loss(x, targets, o)
                                      : mse(x, param(z.tensor("target")), o.reduction),
                         {x});
       }},
      {"dropout",
       [](Fuzz& z) {
         const Var x = param(z.tensor());
         Rng rng(uint64_t(z.below(100)));
         expect_backward(dropout(x, z.value("p"), rng, z.coin()), {x});
       }},
      {"backward with a seed",
       [](Fuzz& z) {
         const Var x = param(z.tensor());
         backward(x * 2.0f, z.tensor("seed"));
         EXPECT_EQ(x.grad().shape(), x.shape());
       }},
  };
}

// Runs `per_op` cases of every op. Returns how many calls succeeded and how many threw Error.
void run_cases(const std::vector<std::pair<const char*, Case>>& cases, uint64_t seed, int per_op) {
  int ok = 0, errors = 0;
  for (size_t op = 0; op < cases.size(); ++op) {
    for (int i = 0; i < per_op; ++i) {
      Fuzz z(seed * 1000003 + op * 1009 + uint64_t(i));
      bool threw_error = false;
      try {
        cases[op].second(z);
      } catch (const Error&) {
        threw_error = true;
      } catch (const std::exception& e) {
        ADD_FAILURE() << cases[op].first << " case " << i << " threw a non-atn::Error: " << e.what() << "\n  "
                      << z.log.str();
      }
      (threw_error ? errors : ok) += 1;
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "first failing call: " << cases[op].first << " case " << i << ": " << z.log.str();
        return;
      }
      Tape::current().clear();
    }
  }
  // Both outcomes must occur, or the fuzzer is not reaching past the argument checks.
  EXPECT_GT(ok, per_op);
  EXPECT_GT(errors, per_op);
}

TEST(FuzzSizes, TensorOpsSucceedOrThrowError) { run_cases(tensor_cases(), 1, 120); }

TEST(FuzzSizes, AutogradOpsSucceedOrThrowError) { run_cases(var_cases(), 2, 150); }

}  // namespace
}  // namespace atn
