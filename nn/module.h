// Module: a piece of a network that owns named parameters, buffers and submodules.
//
// Following PyTorch: named_parameters() gives dotted names ("blocks.0.attn.wq.weight"),
// state_dict() holds parameters and buffers under those names, train()/eval() switch the mode
// of the whole tree. A derived module keeps its parameters and submodules as members and
// registers them in its constructor, so a Module is never copied or moved (the registry holds
// pointers to those members); build modules in place or behind std::unique_ptr.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "autograd/var.h"

namespace atn {

using StateDict = std::map<std::string, Tensor>;

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Dotted names in registration order (depth first), each parameter once.
  std::vector<std::pair<std::string, Var>> named_parameters() const;
  std::vector<Var> parameters() const;
  std::vector<std::pair<std::string, Module*>> named_modules();  // "" is this module
  int64_t num_parameters() const;
  void zero_grad();

  void train(bool on = true);
  void eval() { train(false); }
  bool training() const { return training_; }

  // Every registered name of every parameter, tied ones included: a parameter shared by two
  // modules (GPT's lm_head.weight = transformer.wte.weight, tied by assigning the Var) appears
  // under both names here, once in named_parameters().
  std::vector<std::pair<std::string, Var>> named_parameters_with_aliases() const;

  // Parameters and buffers by dotted name (values shared with the module, not copies). A tied
  // parameter appears under each of its names, as in PyTorch.
  StateDict state_dict() const;
  // Checks every name and shape first and reports all problems in one atn::Error
  // (missing, unexpected, wrong shape); copies the values only when everything matches.
  // A tied parameter needs only one of its names; if several are given they must be equal.
  void load_state_dict(const StateDict& state);
  // The state dict as a safetensors file (PyTorch's names, so torch's load_file reads it);
  // saving never leaves a half-written file, loading checks the file and every name and shape.
  void save(const std::string& path) const;
  void load(const std::string& path);

  // A table a student can read: name, shape, count, and the total.
  std::string summary() const;
  // The class name shown by summary(); override in each layer.
  virtual std::string type_name() const { return "Module"; }

 protected:
  // Registers a member Var as a trainable parameter (requires_grad is set) and returns it.
  Var& register_parameter(const std::string& name, Var& param, Tensor init);
  Var& register_parameter(const std::string& name, Var& param);
  // A tensor saved in the state dict but not trained (BatchNorm's running statistics).
  void register_buffer(const std::string& name, Tensor& buffer);
  // A member module; its entries appear under "name.".
  void register_module(const std::string& name, Module& child);

 private:
  void check_new_name(const std::string& name) const;
  std::vector<std::pair<std::string, Var*>> params_;
  std::vector<std::pair<std::string, Tensor*>> buffers_;
  std::vector<std::pair<std::string, Module*>> children_;
  bool training_ = true;
};

}  // namespace atn
