#include "autograd/ops_softmax.h"

#include "tensor/softmax.h"

namespace atn {

// Both backward passes need only the output y (not x), so the closure keeps y and nothing else.
Var softmax(const Var& x) {
  Tensor y = softmax(x.value());
  return record("softmax", y, {x}, [x, y](const Tensor& g) { x.accumulate_grad(softmax_backward(y, g)); });
}

Var log_softmax(const Var& x) {
  Tensor y = log_softmax(x.value());
  return record("log_softmax", y, {x}, [x, y](const Tensor& g) { x.accumulate_grad(log_softmax_backward(y, g)); });
}

}  // namespace atn
