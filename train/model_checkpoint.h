// The model kinds `atencion train --model` builds, and their checkpoint folders:
//
//   gpt            models/gpt.h             (nanoGPT's GPT)
//   natural        models/natural_gpt.h     (natural-attention blocks; trained with the
//                                            attention-informed AdamW)
//   adaptive-span  models/adaptive_span_gpt.h (per-head learned spans, span loss)
//   dat            models/dat_lm.h          (Dual Attention Transformer: n_head − n_ra self-attention
//                                            heads and n_ra relational heads per block)
//
// ckpt.json's "model" member names the kind and its sizes, e.g.
//   {"kind": "adaptive-span", "vocab": 65, "block": 64, "n_layer": 4, "n_head": 4, "d_model": 128,
//    "max_span": 64, "ramp": 32, "span_loss": 2e-06}
// (a "gpt" member is train/gpt_checkpoint.h's gpt_config_json). `sample` and `eval` rebuild the
// right model from it; an unknown kind is an error naming the file and the kinds known.
#pragma once
#include <memory>
#include <string>

#include "data/tokenizer.h"
#include "models/language_model.h"
#include "train/checkpoint_dir.h"
#include "train/gpt_checkpoint.h"

namespace atn {

struct ModelSpec {
  std::string kind = "gpt";  // gpt | natural | adaptive-span | dat
  GPTConfig sizes{};         // vocab, block, n_layer, n_head, d_model for every kind; dropout and bias: gpt only
  int64_t max_span = 0;      // adaptive-span: S (0: the block size)
  int64_t ramp = 32;         // adaptive-span: R
  real span_loss = 2e-6f;    // adaptive-span: λ
  int64_t n_ra = 0;                  // dat: relational heads (of n_head); the others are self-attention
  std::string symbols = "symbolic";  // dat: symbolic | positional | relative
  bool swiglu = false;               // dat: SwiGLU feed-forward
  bool post_norm = false;            // dat: post-norm blocks
  bool rope = false;                 // dat: RoPE instead of learned positions (absent in older checkpoints: false)
};

// "gpt, natural, adaptive-span or dat", for messages.
const char* model_kinds_text();
bool is_model_kind(const std::string& kind);

std::string model_spec_json(const ModelSpec& spec);
// The inverse; atn::Error naming `where` for a missing field or an unknown kind.
ModelSpec model_spec_from_json(const Json& model, const std::string& where);
// A fresh model of that kind, initialized from rng.
std::unique_ptr<LanguageModel> make_language_model(const ModelSpec& spec, Rng& rng);

struct ModelCheckpoint {
  CheckpointJson info;  // the whole ckpt.json
  ModelSpec spec{};
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<LanguageModel> model;  // weights loaded, in eval mode
};

// Reads DIR/ckpt.json and the weights of DIR/ckpt.safetensors, for any kind. Every problem is an
// atn::Error naming the file.
ModelCheckpoint load_model_checkpoint(const std::string& dir);

}  // namespace atn
