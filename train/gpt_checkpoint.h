// A GPT checkpoint folder (train/checkpoint_dir.h) as `atencion` writes it: ckpt.json holds
// "model" (the GPTConfig) and "tokenizer" (the tokenizer's own JSON), ckpt.safetensors the
// weights under "model.<nanoGPT name>". This file turns them back into objects.
#pragma once
#include <memory>
#include <string>

#include "data/tokenizer.h"
#include "models/gpt.h"
#include "train/checkpoint_dir.h"

namespace atn {

// {"kind": "gpt", "vocab": 65, "block": 64, "n_layer": 4, "n_head": 4, "d_model": 128, "dropout": 0, "bias": true}
std::string gpt_config_json(const GPTConfig& cfg);
// The inverse; atn::Error naming `where` and the field when something is missing or wrong.
GPTConfig gpt_config_from_json(const Json& model, const std::string& where);

struct GptCheckpoint {
  CheckpointJson info;  // the whole ckpt.json
  GPTConfig config{};
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<GPT> model;  // weights loaded, in eval mode
};

// Reads DIR/ckpt.json and the weights of DIR/ckpt.safetensors (the optimizer state is not
// needed to use a model and is left in the file). Every problem is an atn::Error naming the file.
GptCheckpoint load_gpt_checkpoint(const std::string& dir);

}  // namespace atn
