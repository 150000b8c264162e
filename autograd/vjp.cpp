#include "autograd/vjp.h"

#include <unordered_map>

namespace atn {

std::vector<Tensor> vjp(const Var& out, const Tensor& seed, const std::vector<Var>& wrt) {
  if (!out.defined()) fail("vjp: the output is undefined");
  if (seed.shape() != out.shape())
    fail("vjp: seed shape ", to_string(seed.shape()), " differs from output shape ", to_string(out.shape()));
  if (!out.requires_grad()) fail("vjp: the output does not depend on anything that requires a gradient");
  for (size_t i = 0; i < wrt.size(); ++i)
    if (!wrt[i].defined()) fail("vjp: wrt[", i, "] is undefined");

  Tape& tape = Tape::current();
  // backward() consumes the tape, so keep a copy of its entries (shared handles and copies of
  // the closures: cheap) to put back afterwards.
  const std::vector<Tape::Entry> saved = tape.entries();
  // Every node the pass can write a gradient into: set its gradient aside and start it empty.
  // Emptying matters: accumulate_grad adds in place into an existing gradient tensor, and we
  // must not add into the caller's gradients (nor start from stale intermediate ones).
  std::unordered_map<Node*, Tensor> stash;
  auto set_aside = [&](Node* node) {
    if (stash.emplace(node, node->grad).second) node->grad = Tensor();
  };
  for (const auto& e : saved) {
    set_aside(e.out.get());
    for (const auto& in : e.inputs) set_aside(in.get());
  }
  set_aside(out.node());
  for (const Var& w : wrt) set_aside(w.node());
  auto restore = [&] {
    for (auto& [node, grad] : stash) node->grad = grad;
    tape.clear();
    for (const auto& e : saved) tape.push(e);
  };

  std::vector<Tensor> result;
  try {
    backward(out, seed);
    for (const Var& w : wrt) result.push_back(w.has_grad() ? w.grad() : Tensor::zeros(w.shape()));
  } catch (...) {
    restore();
    throw;
  }
  restore();
  return result;
}

}  // namespace atn
