#include "autograd/ops_softmax.h"

#include "tensor/softmax.h"

namespace atn {

// Both backward passes need only the output y (not x), so the closure keeps y and nothing else.
Var softmax(const Var& x, int64_t axis) {
  Tensor y = softmax(x.value(), axis);  // validates the axis
  return record("softmax", y, {x},
                [x, y, axis](const Tensor& g) { x.accumulate_grad(softmax_backward(y, g, axis)); });
}

Var log_softmax(const Var& x, int64_t axis) {
  Tensor y = log_softmax(x.value(), axis);
  return record("log_softmax", y, {x},
                [x, y, axis](const Tensor& g) { x.accumulate_grad(log_softmax_backward(y, g, axis)); });
}

}  // namespace atn
