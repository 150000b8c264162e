// Leaves' gradients held apart from the leaves, so that several backward passes can run at the
// same time (on different threads) without writing into the same parameter's grad.
//
// While a HoldLeafGradients scope is alive on a thread, every contribution that thread's
// backward passes make to a leaf (a Var not made by an op: a parameter, an input) goes into the
// HeldGradients instead of the leaf's grad, by the same rules as Var::accumulate_grad (the first
// contribution taken without a copy when it can be, the later ones added in order). Gradients of
// intermediates are not affected. add_to_leaves() then adds what it holds into the leaves' grads,
// leaf by leaf in the order of their first contribution: done for several HeldGradients one after
// the other, in a fixed order, the leaves' grads get the same bits whichever thread ran which pass.
// backward_in_parts (autograd/backward_in_parts.h) is built on this.
#pragma once
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "autograd/var.h"

namespace atn {

class HeldGradients {
 public:
  // The gradient held for `leaf` (undefined before its first contribution).
  Tensor& slot(const std::shared_ptr<Node>& leaf);
  // leaf.grad += held gradient for every leaf held (in order of first contribution); then empty.
  void add_to_leaves();
  void clear();
  size_t size() const { return held_.size(); }

 private:
  std::vector<std::pair<std::shared_ptr<Node>, Tensor>> held_;
  std::unordered_map<const Node*, size_t> index_;  // leaf → its place in held_
};

// Makes `held` the destination of this thread's leaf gradients until the scope ends (scopes nest;
// the previous destination comes back).
class HoldLeafGradients {
 public:
  explicit HoldLeafGradients(HeldGradients& held);
  ~HoldLeafGradients();
  HoldLeafGradients(const HoldLeafGradients&) = delete;
  HoldLeafGradients& operator=(const HoldLeafGradients&) = delete;

 private:
  HeldGradients* previous_;
};

}  // namespace atn
