// The Tape: a thread-local Wengert list. Each differentiable op that sees an input needing a
// gradient appends one Entry (its output, its inputs, a backward closure); backward() walks
// the list from the end, then clears it.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "autograd/var.h"

namespace atn {

class Tape {
 public:
  // Given the gradient of the entry's output, adds each input's share into its grad.
  using Backward = std::function<void(const Tensor& grad_out)>;
  struct Entry {
    std::string op;
    std::shared_ptr<Node> out;
    std::vector<std::shared_ptr<Node>> inputs;
    Backward backward;
  };

  static Tape& current();  // this thread's tape
  static bool recording();  // false inside a NoGrad scope

  void push(Entry entry) { entries_.push_back(std::move(entry)); }
  const std::vector<Entry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  void clear() { entries_.clear(); }
  std::vector<Entry> take() { return std::exchange(entries_, {}); }

  // One line per entry, in order: "  3: matmul [4, 3] x [3, 2] -> [4, 2]".
  static std::string dump();

 private:
  std::vector<Entry> entries_;
};

// While alive, ops record nothing (evaluation, sampling, optimizer updates).
class NoGrad {
 public:
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool previous_;
};

// The result of an op: a new Var holding `value`. If recording is on and any input requires a
// gradient, the result requires one too and `backward` is appended to the tape.
Var record(const char* op, Tensor value, std::initializer_list<Var> inputs, Tape::Backward backward);
Var record(const char* op, Tensor value, const std::vector<Var>& inputs, Tape::Backward backward);

struct BackwardOptions {
  // Keep the gradient of every intermediate Var (made by an op) after the pass, as micrograd
  // does, so a lesson can print them. A training loop reads only the leaves' (parameters')
  // gradients: with false each intermediate's gradient is dropped as soon as its entry has
  // passed it on, which frees memory during the pass (PyTorch's retain_grad() default).
  bool keep_intermediate_grads = true;
};

// Seeds d(out) = 1 (out must have one element) or `seed`, runs the tape backwards, clears it.
// An output whose tape entry is gone (a second backward() of the same loss, or after
// Tape::clear()) is an Error, as in PyTorch; a leaf may be passed (its own gradient is seeded).
void backward(const Var& out, const BackwardOptions& options = {});
void backward(const Var& out, const Tensor& seed, const BackwardOptions& options = {});

}  // namespace atn
