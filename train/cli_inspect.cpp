// atencion inspect: what is in a checkpoint folder or any .safetensors file.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "data/tokenizer.h"
#include "tensor/safetensors.h"
#include "train/cli.h"
#include "train/cli_args.h"
#include "train/cli_text.h"
#include "train/checkpoint_dir.h"

namespace atn {

namespace {

const std::vector<FlagSpec> kInspectFlags = {
    {"ckpt", "PATH", "a checkpoint folder or a .safetensors file (required)", ""},
};

bool same_tensor(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), size_t(a.numel()) * sizeof(real)) == 0;
}

// name, shape, count; a tensor equal to an earlier one of the same shape is marked as tied and
// counted once (GPT's lm_head.weight is transformer.wte.weight).
void parameter_table(std::ostream& out, const std::map<std::string, Tensor>& tensors, const std::string& prefix) {
  size_t width = 4;
  for (const auto& [name, t] : tensors) width = std::max(width, name.size() - prefix.size());
  out << std::left << std::setw(int(width) + 2) << "name" << std::setw(18) << "shape" << "count\n";
  int64_t total = 0;
  std::vector<std::pair<std::string, const Tensor*>> seen;
  for (const auto& [name, t] : tensors) {
    std::string tied;
    for (const auto& [other, u] : seen)
      if (same_tensor(t, *u)) tied = other;
    out << std::left << std::setw(int(width) + 2) << name.substr(prefix.size()) << std::setw(18) << to_string(t.shape())
        << group_digits(t.numel());
    if (!tied.empty()) out << "  (tied to " << tied << ", counted once)";
    else total += t.numel();
    out << "\n";
    seen.push_back({name.substr(prefix.size()), &t});
  }
  out << "total: " << group_digits(total) << " parameters\n";
}

}  // namespace

int cli_inspect(const std::vector<std::string>& args, std::ostream& out) {
  const std::string command = "atencion inspect";
  const Flags f(args, kInspectFlags, command);
  if (f.help()) {
    out << usage_text(command, "Print the config and the parameter table of a checkpoint.", kInspectFlags);
    return 0;
  }
  const std::string path = f.required("ckpt");
  if (!std::filesystem::exists(path)) fail("'", path, "' does not exist");
  if (!std::filesystem::is_directory(path)) {
    const SafeTensorsFile file = load_safetensors(path);
    out << path << ": " << file.floats.size() + file.ints.size() << " tensors\n";
    for (const auto& [k, v] : file.metadata) out << "metadata " << k << " = " << v << "\n";
    parameter_table(out, file.floats, "");
    for (const auto& [name, t] : file.ints) out << name << "  " << to_string(t.shape) << "  (int64)\n";
    return 0;
  }
  const CheckpointJson info = read_checkpoint_json(path);
  out << "checkpoint " << path << ": step " << info.step << "\n";
  for (const JsonMember& m : info.root.members) {
    if (m.key == "format" || m.key == "step" || m.key == "rng_states") continue;
    if (m.key == "tokenizer") {
      const auto tok = tokenizer_from_json(to_json_text(m.value));
      out << "tokenizer: " << tok->kind() << ", vocabulary " << tok->vocab_size() << "\n";
    } else {
      out << m.key << ": " << to_json_text(m.value) << "\n";
    }
  }
  const SafeTensorsFile file = load_safetensors(checkpoint_weights_path(path));
  std::map<std::string, Tensor> model;
  size_t optimizer_tensors = 0;
  for (const auto& [name, t] : file.floats) {
    if (name.compare(0, 6, "model.") == 0) model[name] = t;
    else ++optimizer_tensors;
  }
  parameter_table(out, model, "model.");
  out << "optimizer state: " << optimizer_tensors << " tensors\n";
  return 0;
}

}  // namespace atn
