#include "train/gpt_checkpoint.h"

#include <sstream>

#include "train/model_checkpoint.h"

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
  ModelCheckpoint any = load_model_checkpoint(dir);
  if (any.spec.kind != "gpt")
    fail("'", checkpoint_json_path(dir), "' holds a model of kind '", any.spec.kind,
         "', not a GPT (nanoGPT's names exist only for --model gpt)");
  GptCheckpoint out;
  out.info = std::move(any.info);
  out.config = any.spec.sizes;
  out.tokenizer = std::move(any.tokenizer);
  out.model.reset(static_cast<GPT*>(any.model.release()));
  return out;
}

}  // namespace atn
