#include "nn/module.h"

#include <cstdio>
#include <functional>
#include <set>
#include <sstream>

#include "tensor/safetensors.h"

namespace atn {

void Module::check_new_name(const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos)
    fail("Module: name '", name, "' must be non-empty and contain no '.'");
  auto taken = [&](const auto& list) {
    for (const auto& [n, _] : list)
      if (n == name) return true;
    return false;
  };
  if (taken(params_) || taken(buffers_) || taken(children_)) fail("Module: name '", name, "' registered twice");
}

Var& Module::register_parameter(const std::string& name, Var& param, Tensor init) {
  param = Var(std::move(init), true);
  return register_parameter(name, param);
}

Var& Module::register_parameter(const std::string& name, Var& param) {
  check_new_name(name);
  if (!param.defined()) fail("Module: parameter '", name, "' is undefined");
  param.set_requires_grad(true);
  param.set_name(name);
  params_.emplace_back(name, &param);
  return param;
}

void Module::register_buffer(const std::string& name, Tensor& buffer) {
  check_new_name(name);
  buffers_.emplace_back(name, &buffer);
}

void Module::register_module(const std::string& name, Module& child) {
  check_new_name(name);
  if (&child == this) fail("Module: '", name, "' cannot be its own child");
  children_.emplace_back(name, &child);
}

std::vector<std::pair<std::string, Var>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Var>> out;
  std::set<const Node*> seen;  // a shared (tied) parameter is listed once, under its first name
  std::function<void(const Module&, const std::string&)> walk = [&](const Module& m, const std::string& prefix) {
    for (const auto& [name, p] : m.params_)
      if (seen.insert(p->node()).second) out.emplace_back(prefix + name, *p);
    for (const auto& [name, child] : m.children_) walk(*child, prefix + name + ".");
  };
  walk(*this, "");
  return out;
}

std::vector<Var> Module::parameters() const {
  std::vector<Var> out;
  for (auto& [_, p] : named_parameters()) out.push_back(p);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out;
  std::function<void(Module&, const std::string&)> walk = [&](Module& m, const std::string& name) {
    out.emplace_back(name, &m);
    for (auto& [child_name, child] : m.children_) walk(*child, name.empty() ? child_name : name + "." + child_name);
  };
  walk(*this, "");
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const auto& [_, p] : named_parameters()) n += p.numel();
  return n;
}

void Module::zero_grad() {
  for (auto& [_, p] : named_parameters()) p.zero_grad();
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [_, child] : children_) child->train(on);
}

std::vector<std::pair<std::string, Var>> Module::named_parameters_with_aliases() const {
  std::vector<std::pair<std::string, Var>> out;
  std::function<void(const Module&, const std::string&)> walk = [&](const Module& m, const std::string& prefix) {
    for (const auto& [name, p] : m.params_) out.emplace_back(prefix + name, *p);
    for (const auto& [name, child] : m.children_) walk(*child, prefix + name + ".");
  };
  walk(*this, "");
  return out;
}

StateDict Module::state_dict() const {
  StateDict out;
  // Every name of a tied parameter, as PyTorch's state_dict lists both transformer.wte.weight
  // and lm_head.weight of a GPT: the entries share one storage.
  for (const auto& [name, p] : named_parameters_with_aliases()) out[name] = p.value();
  std::function<void(const Module&, const std::string&)> walk = [&](const Module& m, const std::string& prefix) {
    for (const auto& [name, b] : m.buffers_) out[prefix + name] = *b;
    for (const auto& [name, child] : m.children_) walk(*child, prefix + name + ".");
  };
  walk(*this, "");
  return out;
}

void Module::load_state_dict(const StateDict& state) {
  StateDict mine = state_dict();
  // The names of each tied parameter: one of them is enough (a file written by a tool that
  // drops duplicates, as safetensors' save_model does), and when several are given they must agree.
  std::map<std::string, std::vector<std::string>> aliases;
  {
    std::map<const Node*, std::vector<std::string>> by_node;
    for (const auto& [name, p] : named_parameters_with_aliases()) by_node[p.node()].push_back(name);
    for (const auto& [_, names] : by_node)
      if (names.size() > 1)
        for (const auto& n : names) aliases[n] = names;
  }
  std::vector<std::string> missing, unexpected, wrong, disagree;
  for (const auto& [name, t] : mine) {
    auto it = state.find(name);
    if (it == state.end()) {
      bool tied_present = false;
      if (aliases.count(name))
        for (const auto& other : aliases.at(name)) tied_present = tied_present || state.count(other) > 0;
      if (!tied_present) missing.push_back(name);
    } else if (it->second.shape() != t.shape()) {
      wrong.push_back(name + " " + to_string(it->second.shape()) + " (expected " + to_string(t.shape()) + ")");
    } else if (aliases.count(name)) {
      const std::string& first = aliases.at(name).front();
      auto f = state.find(first);
      if (first != name && f != state.end() && f->second.shape() == t.shape() && max_abs_diff(f->second, it->second) != 0)
        disagree.push_back(first + " / " + name);
    }
  }
  for (const auto& [name, _] : state)
    if (!mine.count(name)) unexpected.push_back(name);
  if (!missing.empty() || !unexpected.empty() || !wrong.empty() || !disagree.empty()) {
    std::ostringstream os;
    os << "load_state_dict: the state does not match the module";
    auto list = [&](const char* what, const std::vector<std::string>& names) {
      if (names.empty()) return;
      os << "; " << what << ": ";
      for (size_t i = 0; i < names.size(); ++i) os << (i ? ", " : "") << names[i];
    };
    list("missing", missing);
    list("unexpected", unexpected);
    list("wrong shape", wrong);
    list("tied names with different values", disagree);
    throw Error(os.str());
  }
  // The entries of `mine` share storage with the module, so copying into them loads it.
  for (auto& [name, t] : mine) {
    auto it = state.find(name);
    if (it != state.end()) t.copy_from(it->second);
  }
}

void Module::save(const std::string& path) const { save_safetensors(path, state_dict()); }

void Module::load(const std::string& path) {
  try {
    load_state_dict(load_safetensors_floats(path));
  } catch (const Error& e) {
    std::string what = e.what();
    // Name the file when the mismatch report does not already.
    if (what.find(path) == std::string::npos) what = path + ": " + what;
    throw Error(what);
  }
}

std::string Module::summary() const {
  std::ostringstream os;
  char line[256];
  std::snprintf(line, sizeof line, "%-40s %-18s %12s\n", "parameter", "shape", "count");
  os << type_name() << "\n" << line;
  for (const auto& [name, p] : named_parameters()) {
    std::snprintf(line, sizeof line, "%-40s %-18s %12lld\n", name.c_str(), to_string(p.shape()).c_str(),
                  static_cast<long long>(p.numel()));
    os << line;
  }
  std::snprintf(line, sizeof line, "%-59s %12lld\n", "total", static_cast<long long>(num_parameters()));
  os << line;
  return os.str();
}

}  // namespace atn
