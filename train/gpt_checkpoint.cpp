#include "train/gpt_checkpoint.h"

#include <filesystem>
#include <sstream>

#include "tensor/safetensors.h"

namespace atn {

std::string gpt_config_json(const GPTConfig& c) {
  std::ostringstream os;
  os.precision(9);
  os << "{\"kind\": \"gpt\", \"vocab\": " << c.vocab << ", \"block\": " << c.block << ", \"n_layer\": " << c.n_layer
     << ", \"n_head\": " << c.n_head << ", \"d_model\": " << c.d_model << ", \"dropout\": " << float_text(c.dropout)
     << ", \"bias\": " << (c.bias ? "true" : "false") << "}";
  return os.str();
}

GPTConfig gpt_config_from_json(const Json& model, const std::string& where) {
  if (model.kind != Json::Kind::Object) fail("'", where, "': \"model\" must be an object");
  if (string_member(model, "kind", where) != "gpt") fail("'", where, "': the model is not a GPT");
  GPTConfig c;
  c.vocab = int_member(model, "vocab", where);
  c.block = int_member(model, "block", where);
  c.n_layer = int_member(model, "n_layer", where);
  c.n_head = int_member(model, "n_head", where);
  c.d_model = int_member(model, "d_model", where);
  c.dropout = real(number_member(model, "dropout", where));
  c.bias = bool_member(model, "bias", where);
  for (int64_t v : {c.vocab, c.block, c.n_layer, c.n_head, c.d_model})
    if (v < 1 || v > (int64_t(1) << 24)) fail("'", where, "': model sizes must be between 1 and 2^24");
  return c;
}

GptCheckpoint load_gpt_checkpoint(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) fail("'", dir, "' is not a checkpoint folder (no such directory)");
  GptCheckpoint out;
  out.info = read_checkpoint_json(dir);
  const std::string json_path = checkpoint_json_path(dir);
  out.config = gpt_config_from_json(member_of(out.info.root, "model", json_path), json_path);
  try {
    out.tokenizer = tokenizer_from_json(to_json_text(member_of(out.info.root, "tokenizer", json_path)));
  } catch (const Error& e) {
    fail("'", json_path, "': ", e.what());
  }
  if (out.tokenizer->vocab_size() != out.config.vocab)
    fail("'", json_path, "': the tokenizer has ", out.tokenizer->vocab_size(), " tokens but the model ", out.config.vocab);
  Rng init(0);  // the weights are overwritten below
  out.model = std::make_unique<GPT>(out.config, init);
  const std::string weights = checkpoint_weights_path(dir);
  const SafeTensorsFile file = load_safetensors(weights);
  StateDict state;
  const std::string prefix = "model.";
  for (const auto& [name, t] : file.floats)
    if (name.compare(0, prefix.size(), prefix) == 0) state[name.substr(prefix.size())] = t;
  try {
    out.model->load_state_dict(state);
  } catch (const Error& e) {
    fail("'", weights, "': ", e.what());
  }
  out.model->eval();
  return out;
}

}  // namespace atn
