// Parameter groups: one optimizer made of several, each with its own hyper-parameters, the way
// PyTorch's `param_groups` let nanoGPT decay matrices but not biases and norm gains.
//
// A GroupedOptimizer owns one inner optimizer per group and looks like a single Optimizer to
// the rest of the code: a schedule sets its lr (copied to every group before each step),
// zero_grad() and params() cover all groups, and state_dict() holds every group's state under
// "group0.", "group1.", ... plus the common "step" and "lr", so optim/checkpoint.h saves and
// resumes it exactly like any other optimizer.
#pragma once
#include <memory>
#include <vector>

#include "optim/adam.h"

namespace atn {

class GroupedOptimizer : public Optimizer {
 public:
  // Every group must be non-empty; the groups must not share a parameter. All groups start
  // at the lr of the first one.
  explicit GroupedOptimizer(std::vector<std::unique_ptr<Optimizer>> groups, std::string name = "GroupedOptimizer");
  void step() override;
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;

  size_t num_groups() const { return groups_.size(); }
  const Optimizer& group(size_t i) const { return *groups_.at(i); }

 private:
  static std::vector<Var> all_params(const std::vector<std::unique_ptr<Optimizer>>& groups);
  std::vector<std::unique_ptr<Optimizer>> groups_;
};

// nanoGPT's configure_optimizers: AdamW where every parameter with two or more dimensions
// (the weights of matmuls and embeddings) is decayed by `cfg.weight_decay` and every other
// one (biases, LayerNorm gains) is not. Returns a GroupedOptimizer with group 0 = decayed,
// group 1 = not decayed (a group with no parameters is left out).
std::unique_ptr<Optimizer> make_adamw_decay_matrices(const std::vector<std::pair<std::string, Var>>& named_params,
                                                     AdamWConfig cfg);

}  // namespace atn
