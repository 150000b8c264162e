#include "autograd/tape.h"

#include <sstream>
#include <unordered_map>

#include "autograd/held_gradients.h"
#include "tensor/elementwise.h"
#include "tensor/reduce.h"

namespace atn {

namespace {
thread_local Tape tape;
thread_local bool grad_enabled = true;
}  // namespace

Var::Var(Tensor value, bool requires_grad, std::string name) : node_(std::make_shared<Node>()) {
  node_->value = std::move(value);
  node_->requires_grad = requires_grad;
  node_->name = std::move(name);
}

namespace {
// grad += g (g already summed to grad's shape). In place when grad's storage is its own; when
// it is shared (taken without a copy from another node's gradient) a new buffer holds the sum,
// so the other holder never sees the change. Same additions in the same order either way.
void add_into(Tensor& grad, const Tensor& g) {
  if (grad.storage_shared()) grad = add(grad, g);
  else add_(grad, g);
}

// The rules of Var::accumulate_grad (var.h) for one gradient slot: `grad` is the node's own
// gradient, or the slot a HeldGradients keeps for a leaf.
void accumulate_into(Tensor& grad, const Shape& shape, bool leaf, const Tensor& g) {
  Tensor reduced = sum_to(g, shape);
  if (grad.defined()) {
    add_into(grad, reduced);
    return;
  }
  // g belongs to the caller (often another node's gradient): an intermediate may share it, a
  // leaf gets its own copy (see var.h).
  const bool copy = leaf && reduced.shares_storage_with(g);
  grad = copy ? reduced.clone() : std::move(reduced);
}

void accumulate_into(Tensor& grad, const Shape& shape, bool leaf, Tensor&& g) {
  // Only the caller's temporary holds g: it can become the gradient itself.
  if (g.shape() == shape && !g.storage_shared() && !grad.defined()) {
    grad = std::move(g);
    return;
  }
  accumulate_into(grad, shape, leaf, static_cast<const Tensor&>(g));
}

// Where this thread's contributions to leaves go: the leaves' own grads, or the slots of the
// HeldGradients a HoldLeafGradients scope has made current (held_gradients.h).
thread_local HeldGradients* t_held = nullptr;

Tensor& slot_for(const std::shared_ptr<Node>& node) {
  if (t_held && !node->recorded) return t_held->slot(node);
  return node->grad;
}
}  // namespace

void Var::accumulate_grad(const Tensor& g) const {
  if (!node_->requires_grad) return;
  accumulate_into(slot_for(node_), node_->value.shape(), !node_->recorded, g);
}

void Var::accumulate_grad(Tensor&& g) const {
  if (!node_->requires_grad) return;
  accumulate_into(slot_for(node_), node_->value.shape(), !node_->recorded, std::move(g));
}

Tensor& Var::grad_to_add_into() const {
  Tensor& grad = slot_for(node_);
  if (!grad.defined()) grad = Tensor::zeros(node_->value.shape());
  // A gradient taken without a copy shares its storage (accumulate_grad): written in place here,
  // the other holder would see the change, so it gets its own copy first.
  else if (grad.storage_shared()) grad = grad.clone();
  return grad;
}

Tensor& HeldGradients::slot(const std::shared_ptr<Node>& leaf) {
  const auto [it, added] = index_.try_emplace(leaf.get(), held_.size());
  if (added) held_.emplace_back(leaf, Tensor());
  return held_[it->second].second;
}

void HeldGradients::add_to_leaves() {
  for (auto& [leaf, g] : held_)
    if (g.defined()) accumulate_into(leaf->grad, leaf->value.shape(), true, std::move(g));
  clear();
}

void HeldGradients::clear() {
  held_.clear();
  index_.clear();
}

HoldLeafGradients::HoldLeafGradients(HeldGradients& held) : previous_(t_held) { t_held = &held; }
HoldLeafGradients::~HoldLeafGradients() { t_held = previous_; }

std::ostream& operator<<(std::ostream& os, const Var& v) {
  if (!v.defined()) return os << "Var(undefined)";
  os << "Var(" << v.value();
  if (v.requires_grad()) os << ", requires_grad";
  return os << ")";
}

Tape& Tape::current() { return tape; }
bool Tape::recording() { return grad_enabled; }

std::string Tape::dump() {
  // Names nodes v0, v1, ... in order of first appearance (or by their own name when they have one).
  std::unordered_map<const Node*, std::string> names;
  int unnamed = 0;
  auto name_of = [&](const std::shared_ptr<Node>& n) {
    auto it = names.find(n.get());
    if (it != names.end()) return it->second;
    std::string s = n->name;
    if (s.empty()) s.append("v").append(std::to_string(unnamed++));
    names.emplace(n.get(), s);
    return s;
  };
  std::ostringstream os;
  const auto& entries = tape.entries();
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    os << "  " << i << ": " << e.op << "(";
    for (size_t k = 0; k < e.inputs.size(); ++k) {
      if (k) os << ", ";
      os << name_of(e.inputs[k]) << to_string(e.inputs[k]->value.shape());
    }
    os << ") -> " << name_of(e.out) << to_string(e.out->value.shape()) << "\n";
  }
  return os.str();
}

NoGrad::NoGrad() : previous_(grad_enabled) { grad_enabled = false; }
NoGrad::~NoGrad() { grad_enabled = previous_; }

Var record(const char* op, Tensor value, const std::vector<Var>& inputs, Tape::Backward backward) {
  bool needs = false;
  if (grad_enabled)
    for (const Var& v : inputs) needs = needs || v.requires_grad();
  Var out(std::move(value), needs);
  if (!needs) return out;
  out.node()->recorded = true;
  Tape::Entry e{op, out.node_ptr(), {}, std::move(backward)};
  e.inputs.reserve(inputs.size());
  for (const Var& v : inputs) e.inputs.push_back(v.node_ptr());
  tape.push(std::move(e));
  return out;
}

Var record(const char* op, Tensor value, std::initializer_list<Var> inputs, Tape::Backward backward) {
  return record(op, std::move(value), std::vector<Var>(inputs), std::move(backward));
}

namespace {
// Whether the entry that made `node` is on this thread's tape (usually the last one).
bool on_tape(const Node* node) {
  const auto& entries = tape.entries();
  for (size_t i = entries.size(); i-- > 0;)
    if (entries[i].out.get() == node) return true;
  return false;
}
}  // namespace

void backward(const Var& out, const BackwardOptions& options) {
  if (out.numel() != 1)
    fail("backward: the output has shape ", to_string(out.shape()), "; pass a seed gradient for a non-scalar");
  backward(out, Tensor::ones(out.shape()), options);
}

void backward(const Var& out, const Tensor& seed, const BackwardOptions& options) {
  if (seed.shape() != out.shape())
    fail("backward: seed shape ", to_string(seed.shape()), " differs from output shape ", to_string(out.shape()));
  if (!out.requires_grad()) {
    tape.clear();
    fail("backward: the output does not depend on anything that requires a gradient");
  }
  // An output made by a recorded op whose entry is no longer on the tape: an earlier backward()
  // consumed it (or the tape was cleared). Running on would only seed out's own gradient and
  // silently give nothing to the inputs; PyTorch raises here too. Nothing has been changed yet.
  if (out.node()->recorded && !on_tape(out.node()))
    fail("backward: the tape that recorded this output was already consumed by an earlier backward() ",
         "(or cleared); compute the output again to differentiate it again");
  out.accumulate_grad(seed.clone());  // out keeps it: not the caller's tensor
  // Take the entries first, so the tape is empty even if a closure throws. By default every Var
  // keeps its grad afterwards (intermediates too, as in micrograd), so a lesson can print them.
  std::vector<Tape::Entry> entries = tape.take();
  NoGrad no_grad;  // backward closures use plain kernels; nothing they do should be recorded
  for (size_t i = entries.size(); i-- > 0;) {
    auto& e = entries[i];
    if (e.out->grad.defined()) e.backward(e.out->grad);
    e.backward = nullptr;  // frees what the closure captured as soon as it is done
    // Every contribution to this node's gradient came from later entries, all done now.
    if (!options.keep_intermediate_grads && e.out.get() != out.node()) e.out->grad = Tensor();
  }
}

}  // namespace atn
