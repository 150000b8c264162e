#include "train/param_groups.h"

#include <cmath>

namespace atn {

namespace {
const std::string kGroup = "group";

std::string group_prefix(size_t i) { return kGroup + std::to_string(i) + "."; }
}  // namespace

std::vector<Var> GroupedOptimizer::all_params(const std::vector<std::unique_ptr<Optimizer>>& groups) {
  if (groups.empty()) fail("GroupedOptimizer: got no groups");
  std::vector<Var> out;
  for (size_t g = 0; g < groups.size(); ++g) {
    if (!groups[g]) fail("GroupedOptimizer: group ", g, " is null");
    for (const Var& p : groups[g]->params()) out.push_back(p);
  }
  return out;  // the base constructor rejects a parameter listed twice
}

GroupedOptimizer::GroupedOptimizer(std::vector<std::unique_ptr<Optimizer>> groups, std::string name)
    : Optimizer(all_params(groups), groups.empty() ? 0 : groups[0]->lr(), std::move(name)), groups_(std::move(groups)) {}

void GroupedOptimizer::step() {
  ++steps_;
  // A schedule sets our lr (set_lr is not virtual), so hand it to each group just in time.
  for (auto& g : groups_) {
    g->set_lr(lr_);
    g->step();
  }
}

StateDict GroupedOptimizer::state_dict() const {
  StateDict out;
  out["step"] = Tensor::scalar(real(steps_));
  out["lr"] = Tensor::scalar(lr_);
  for (size_t g = 0; g < groups_.size(); ++g)
    for (auto& [key, t] : groups_[g]->state_dict()) out[group_prefix(g) + key] = t;
  return out;
}

void GroupedOptimizer::load_state_dict(const StateDict& state) {
  std::vector<StateDict> parts(groups_.size());
  std::vector<std::string> problems;
  for (const char* key : {"step", "lr"}) {
    auto it = state.find(key);
    if (it == state.end() || it->second.numel() != 1) {
      problems.push_back(std::string("missing ") + key);
      continue;
    }
    const real v = it->second[0];
    const bool whole = std::string(key) == "step" ? v == std::floor(v) : true;
    if (!(v >= 0) || std::isinf(v) || !whole) problems.push_back(std::string("bad ") + key);
  }
  for (const auto& [key, t] : state) {
    if (key == "step" || key == "lr") continue;
    size_t g = groups_.size();
    const size_t dot = key.find('.');
    if (key.compare(0, kGroup.size(), kGroup) == 0 && dot != std::string::npos) {
      const std::string number = key.substr(kGroup.size(), dot - kGroup.size());
      if (!number.empty() && number.find_first_not_of("0123456789") == std::string::npos && number.size() < 6)
        g = size_t(std::stoul(number));
    }
    if (g >= groups_.size()) problems.push_back("unexpected " + key);
    else parts[g][key.substr(dot + 1)] = t;
  }
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : ", ") + p;
    fail(name_, ".load_state_dict: the state does not match the optimizer: ", all);
  }
  // Each group checks its part; restore the ones already loaded if a later one fails, so that
  // nothing changes unless everything matches.
  std::vector<StateDict> backup;
  for (auto& g : groups_) backup.push_back(g->state_dict());
  for (size_t g = 0; g < groups_.size(); ++g) {
    try {
      groups_[g]->load_state_dict(parts[g]);
    } catch (const Error& e) {
      for (size_t h = 0; h < g; ++h) groups_[h]->load_state_dict(backup[h]);
      fail(name_, ".load_state_dict: group ", g, ": ", e.what());
    }
  }
  set_lr(state.at("lr")[0]);
  steps_ = int64_t(state.at("step")[0]);
}

std::unique_ptr<Optimizer> make_adamw_decay_matrices(const std::vector<std::pair<std::string, Var>>& named_params,
                                                     AdamWConfig cfg) {
  std::vector<Var> decay, no_decay;
  for (const auto& [name, p] : named_params) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  std::vector<std::unique_ptr<Optimizer>> groups;
  if (!decay.empty()) groups.push_back(std::make_unique<AdamW>(decay, cfg));
  AdamWConfig plain = cfg;
  plain.weight_decay = 0;
  if (!no_decay.empty()) groups.push_back(std::make_unique<AdamW>(no_decay, plain));
  if (groups.empty()) fail("make_adamw_decay_matrices: the model has no parameters");
  return std::make_unique<GroupedOptimizer>(std::move(groups), "AdamW");
}

}  // namespace atn
