#include "train/model_checkpoint.h"

#include <filesystem>
#include <sstream>

#include "models/adaptive_span_gpt.h"
#include "models/dat_lm.h"
#include "models/natural_gpt.h"
#include "tensor/safetensors.h"

namespace atn {

const char* model_kinds_text() { return "gpt, natural, adaptive-span or dat"; }

bool is_model_kind(const std::string& kind) { return kind == "gpt" || kind == "natural" || kind == "adaptive-span" || kind == "dat";
}

namespace {

DATConfig dat_config(const ModelSpec& s) {
  const GPTConfig& c = s.sizes;
  return {.vocab = c.vocab,
          .block = c.block,
          .n_layer = c.n_layer,
          .d_model = c.d_model,
          .n_heads_sa = c.n_head - s.n_ra,
          .n_heads_ra = s.n_ra,
          .symbols = dat_symbols_from_name(s.symbols, "dat"),
          .post_norm = s.post_norm,
          .swiglu = s.swiglu,
          .rope = s.rope};
}

}  // namespace

std::string model_spec_json(const ModelSpec& s) {
  if (!is_model_kind(s.kind)) fail("model_spec_json: unknown model kind '", s.kind, "' (", model_kinds_text(), ")");
  if (s.kind == "gpt") return gpt_config_json(s.sizes);
  const GPTConfig& c = s.sizes;
  std::ostringstream os;
  os << "{\"kind\": \"" << s.kind << "\", \"vocab\": " << c.vocab << ", \"block\": " << c.block
     << ", \"n_layer\": " << c.n_layer << ", \"n_head\": " << c.n_head << ", \"d_model\": " << c.d_model;
  if (s.kind == "adaptive-span")
    os << ", \"max_span\": " << s.max_span << ", \"ramp\": " << s.ramp
       << ", \"span_loss\": " << float_text(s.span_loss);
  if (s.kind == "dat")
    os << ", \"n_ra\": " << s.n_ra << ", \"symbols\": \"" << s.symbols << "\", \"swiglu\": " << (s.swiglu ? "true" : "false")
       << ", \"post_norm\": " << (s.post_norm ? "true" : "false") << ", \"rope\": " << (s.rope ? "true" : "false");
  os << "}";
  return os.str();
}

ModelSpec model_spec_from_json(const Json& model, const std::string& where) {
  if (model.kind != Json::Kind::Object) fail("'", where, "': \"model\" must be an object");
  ModelSpec s;
  s.kind = string_member(model, "kind", where);
  if (!is_model_kind(s.kind))
    fail("'", where, "': unknown model kind '", s.kind, "' (this atencion knows ", model_kinds_text(), ")");
  if (s.kind == "gpt") {
    s.sizes = gpt_config_from_json(model, where);
    return s;
  }
  GPTConfig& c = s.sizes;
  c.vocab = int_member(model, "vocab", where);
  c.block = int_member(model, "block", where);
  c.n_layer = int_member(model, "n_layer", where);
  c.n_head = int_member(model, "n_head", where);
  c.d_model = int_member(model, "d_model", where);
  c.dropout = 0;
  for (int64_t v : {c.vocab, c.block, c.n_layer, c.n_head, c.d_model})
    if (v < 1 || v > (int64_t(1) << 24)) fail("'", where, "': model sizes must be between 1 and 2^24");
  if (s.kind == "adaptive-span") {
    s.max_span = int_member(model, "max_span", where);
    s.ramp = int_member(model, "ramp", where);
    s.span_loss = real(number_member(model, "span_loss", where));
  }
  if (s.kind == "dat") {
    s.n_ra = int_member(model, "n_ra", where);
    s.symbols = string_member(model, "symbols", where);
    s.swiglu = bool_member(model, "swiglu", where);
    s.post_norm = bool_member(model, "post_norm", where);
    s.rope = model.find("rope") ? bool_member(model, "rope", where) : false;  // written since RoPE came
    if (s.n_ra < 0 || s.n_ra > c.n_head) fail("'", where, "': n_ra must be between 0 and n_head");
    dat_symbols_from_name(s.symbols, where);
  }
  return s;
}

std::unique_ptr<LanguageModel> make_language_model(const ModelSpec& s, Rng& rng) {
  const GPTConfig& c = s.sizes;
  if (s.kind == "gpt") return std::make_unique<GPT>(c, rng);
  if (s.kind == "natural")
    return std::make_unique<NaturalGPT>(
        NaturalGPTConfig{
            .vocab = c.vocab, .block = c.block, .n_layer = c.n_layer, .n_head = c.n_head, .d_model = c.d_model},
        rng);
  if (s.kind == "adaptive-span")
    return std::make_unique<AdaptiveSpanGPT>(AdaptiveSpanGPTConfig{.vocab = c.vocab,
                                                                   .block = c.block,
                                                                   .n_layer = c.n_layer,
                                                                   .n_head = c.n_head,
                                                                   .d_model = c.d_model,
                                                                   .max_span = s.max_span,
                                                                   .ramp = s.ramp,
                                                                   .span_loss = s.span_loss},
                                             rng);
  if (s.kind == "dat") return std::make_unique<DATLM>(dat_config(s), rng);
  fail("make_language_model: unknown model kind '", s.kind, "' (", model_kinds_text(), ")");
}

ModelCheckpoint load_model_checkpoint(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) fail("'", dir, "' is not a checkpoint folder (no such directory)");
  ModelCheckpoint out;
  out.info = read_checkpoint_json(dir);
  const std::string json_path = checkpoint_json_path(dir);
  out.spec = model_spec_from_json(member_of(out.info.root, "model", json_path), json_path);
  try {
    out.tokenizer = tokenizer_from_json(to_json_text(member_of(out.info.root, "tokenizer", json_path)));
  } catch (const Error& e) {
    fail("'", json_path, "': ", e.what());
  }
  if (out.tokenizer->vocab_size() != out.spec.sizes.vocab)
    fail("'", json_path, "': the tokenizer has ", out.tokenizer->vocab_size(), " tokens but the model ",
         out.spec.sizes.vocab);
  Rng init(0);  // the weights are overwritten below
  try {
    out.model = make_language_model(out.spec, init);
  } catch (const Error& e) {
    fail("'", json_path, "': ", e.what());
  }
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
