// Optimizer: the base of every update rule (SGD, Adagrad, RMSprop, Adam, AdamW, and the
// attention-informed and natural-gradient optimizers built on them).
//
// An optimizer holds a list of parameters (Vars that outlive the tape) and, for each of them,
// the named buffers its rule needs ("momentum_buffer", "exp_avg", ...). As in PyTorch:
//   loss = ...; backward(loss); opt.step(); opt.zero_grad();
// step() changes p.value() in place with plain tensor loops; nothing is recorded on the tape.
// A parameter without a gradient (it did not take part in the loss, or it is frozen) is
// skipped: its value, its buffers and its own step count stay as they are.
//
// Writing a new optimizer (K-FAC, say): derive, implement step() (start it with `++steps_`),
// and for each parameter i that has a gradient, advance `param_steps_[i]` and keep the state
// in buffer(i, name). Override buffer_names(i) (and buffer_shape(i, name) when a buffer does
// not have the parameter's shape, like a K-FAC factor) so that state_dict()/load_state_dict()
// save and check it. The base guarantees: a parameter's buffers exist exactly when its step
// count is positive, so create every buffer of a parameter at its first update.
#pragma once
#include <string>
#include <vector>

#include "nn/module.h"  // StateDict

namespace atn {

class Optimizer {
 public:
  // `name` is the class name used in messages ("Adam", "SGD", ...).
  Optimizer(std::vector<Var> params, real lr, std::string name = "Optimizer");
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;  // the buffers belong to one run; copy the state dict instead
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient.
  virtual void step() = 0;
  // Drops every gradient (PyTorch's set_to_none): the next backward() starts from nothing.
  void zero_grad();

  real lr() const { return lr_; }
  void set_lr(real lr);
  // How many times step() has run (a schedule asks for the lr of step_count() + 1).
  int64_t step_count() const { return steps_; }
  const std::vector<Var>& params() const { return params_; }
  const std::string& type_name() const { return name_; }

  // Everything needed to resume bit-identically, as deep copies:
  //   "step"            number of step() calls
  //   "lr"              the current learning rate (a schedule may have set it)
  //   "param.3.step"    how many updates parameter 3 has received (Adam's t)
  //   "param.3.exp_avg" its buffers, only once it has been updated
  // Counts are stored in float tensors, exact up to 2^24 steps (state_dict() refuses more).
  virtual StateDict state_dict() const;
  // Checks every name, shape and count first and reports all problems in one atn::Error;
  // changes nothing unless everything matches. Values are copied, not shared.
  virtual void load_state_dict(const StateDict& state);

 protected:
  // The buffers parameter i has once it has been updated (checked by load_state_dict).
  virtual std::vector<std::string> buffer_names(size_t /*i*/) const { return {}; }
  // Their shape; by default the parameter's own.
  virtual Shape buffer_shape(size_t i, const std::string& /*name*/) const { return params_[i].shape(); }
  // Buffer `name` of parameter i, created filled with `init` the first time it is asked for.
  Tensor& buffer(size_t i, const std::string& name, real init = 0);

  // Hyper-parameter checks shared by the optimizers: throw atn::Error naming the value.
  void check_at_least(const char* what, real value, real low) const;  // value >= low (NaN fails)
  void check_in_unit(const char* what, real value) const;             // 0 <= value < 1

  std::string name_;
  std::vector<Var> params_;
  real lr_;
  int64_t steps_ = 0;
  std::vector<int64_t> param_steps_;  // per parameter: updates received
  std::vector<StateDict> buffers_;    // per parameter: name -> buffer
};

}  // namespace atn
