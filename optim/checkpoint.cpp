#include "optim/checkpoint.h"

#include "tensor/safetensors.h"

namespace atn {

namespace {
const std::string kModel = "model.", kOptimizer = "optimizer.", kRng = "rng.state";

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }
}  // namespace

void save_checkpoint(const std::string& path, const Module& model, const Optimizer& optimizer, const Rng* rng,
                     const std::map<std::string, std::string>& metadata) {
  SafeTensorsFile file;
  for (auto& [name, t] : model.state_dict()) file.floats[kModel + name] = t;
  for (auto& [name, t] : optimizer.state_dict()) file.floats[kOptimizer + name] = t;
  if (rng) {
    IntTensor state;
    for (uint64_t w : rng->state()) state.values.push_back(static_cast<int64_t>(w));
    state.shape = {int64_t(state.values.size())};
    file.ints[kRng] = state;
  }
  file.metadata = metadata;
  save_safetensors(path, file);
}

std::map<std::string, std::string> load_checkpoint(const std::string& path, Module& model, Optimizer& optimizer,
                                                   Rng* rng) {
  SafeTensorsFile file = load_safetensors(path);
  StateDict model_state, optimizer_state;
  for (auto& [name, t] : file.floats) {
    if (starts_with(name, kModel)) model_state[name.substr(kModel.size())] = t;
    else if (starts_with(name, kOptimizer)) optimizer_state[name.substr(kOptimizer.size())] = t;
    else fail("checkpoint '", path, "': unexpected tensor '", name, "' (neither model. nor optimizer.)");
  }
  std::vector<uint64_t> rng_state;
  if (rng) {
    auto it = file.ints.find(kRng);
    if (it == file.ints.end()) fail("checkpoint '", path, "': no Rng state (", kRng, ") to resume from");
    for (int64_t w : it->second.values) rng_state.push_back(static_cast<uint64_t>(w));
  }
  // Check everything before changing anything: a module and an optimizer that are each
  // consistent but belong to different runs must not be half loaded.
  try {
    if (rng) Rng().set_state(rng_state);  // validates the Rng state before anything is touched
    {
      StateDict model_backup;
      for (auto& [name, t] : model.state_dict()) model_backup[name] = t.clone();
      model.load_state_dict(model_state);
      try {
        optimizer.load_state_dict(optimizer_state);
      } catch (...) {
        model.load_state_dict(model_backup);
        throw;
      }
    }
    if (rng) rng->set_state(rng_state);
  } catch (const Error& e) {
    fail("checkpoint '", path, "': ", e.what());
  }
  return file.metadata;
}

}  // namespace atn
