// Var: a tensor that may carry a gradient. A cheap handle (shared pointer) to a Node, so
// copies of a Var are the same variable.
#pragma once
#include <memory>
#include <string>

#include "tensor/tensor.h"

namespace atn {

struct Node {
  Tensor value;
  Tensor grad;  // allocated on the first contribution
  bool requires_grad = false;
  std::string name;  // optional, shown by Tape::dump()
  // Set when a recorded op made this node: its value then depends on a tape entry, and once
  // that entry is gone (consumed by backward, or cleared) the node cannot be differentiated.
  bool recorded = false;
};

class Var {
 public:
  Var() = default;  // undefined
  explicit Var(Tensor value, bool requires_grad = false, std::string name = "");

  bool defined() const { return node_ != nullptr; }
  const Tensor& value() const { return node_->value; }
  Tensor& value() { return node_->value; }
  const Tensor& grad() const { return node_->grad; }
  Tensor& grad() { return node_->grad; }
  bool has_grad() const { return node_->grad.defined(); }
  bool requires_grad() const { return node_ && node_->requires_grad; }
  void set_requires_grad(bool on) { node_->requires_grad = on; }
  const std::string& name() const { return node_->name; }
  void set_name(std::string name) { node_->name = std::move(name); }

  const Shape& shape() const { return node_->value.shape(); }
  int64_t dim() const { return node_->value.dim(); }
  int64_t size(int64_t axis) const { return node_->value.size(axis); }
  int64_t numel() const { return node_->value.numel(); }
  real item() const { return node_->value.item(); }

  // grad += g, where g may have the shape of a broadcast of this Var (it is summed back).
  // Does nothing when this Var does not require a gradient.
  //
  // The first contribution is taken without a copy whenever that is safe: always for an
  // intermediate (a node made by an op; its grad may then share storage with the gradient it
  // came from, e.g. through a reshape or an add, and a later contribution is added into a new
  // buffer instead of in place), and for a leaf when nothing else holds g's storage (a gradient
  // just computed by the op). A leaf's grad never shares storage with anything, because
  // optimizers and clip_grad_norm_ change parameters' grads in place.
  //
  // Inside a HoldLeafGradients scope (held_gradients.h) a leaf's contributions go to the scope's
  // HeldGradients instead of its grad, by the same rules.
  void accumulate_grad(const Tensor& g) const;
  void accumulate_grad(Tensor&& g) const;
  // Where accumulate_grad would add (grad, or the held slot of a leaf), zero-filled on first use
  // and unshared (copied if it shared storage), for backwards that add into a part of it in place.
  Tensor& grad_to_add_into() const;
  void zero_grad() const { node_->grad = Tensor(); }

  Node* node() const { return node_.get(); }
  const std::shared_ptr<Node>& node_ptr() const { return node_; }
  bool same_as(const Var& other) const { return node_ == other.node_; }

 private:
  std::shared_ptr<Node> node_;
};

// A leaf that requires a gradient: a parameter or an input we differentiate with respect to.
inline Var param(Tensor value, std::string name = "") { return Var(std::move(value), true, std::move(name)); }
// A constant: never receives a gradient.
inline Var constant(Tensor value) { return Var(std::move(value), false); }

std::ostream& operator<<(std::ostream& os, const Var& v);

}  // namespace atn
