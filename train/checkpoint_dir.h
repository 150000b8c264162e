// A checkpoint folder, the unit `atencion train --out DIR` writes and `--resume DIR`,
// `sample --ckpt DIR` and `eval --ckpt DIR` read:
//
//   DIR/ckpt.safetensors   model ("model.<name>"), optimizer ("optimizer.<key>") and the run's
//                          Rng ("rng.state"): optim/checkpoint.h. Metadata "step".
//   DIR/ckpt.json          what a person (or a program rebuilding the model) needs to read:
//                          {"format": "atencion-checkpoint-1", "step": N, "seed": S,
//                           "train": {...}, plus what the caller adds: "model": {...},
//                           "tokenizer": {...}}
//   DIR/metrics.csv, DIR/loss.svg   the run so far (train/metrics.h)
//
// Each file is written atomically (a temporary file, then a rename). The two checkpoint files
// carry the same step, and reading checks that they do: a crash between the two renames is
// reported instead of resuming from a mixed state.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "tensor/json.h"
#include "tensor/shape.h"  // real

namespace atn {

std::string checkpoint_weights_path(const std::string& dir);  // DIR/ckpt.safetensors
std::string checkpoint_json_path(const std::string& dir);     // DIR/ckpt.json

// Writes DIR/ckpt.json. `members` maps a key to its value as JSON text (each is checked to be
// valid JSON); "format" and "step" are added. Creates DIR if needed.
void write_checkpoint_json(const std::string& dir, int64_t step, const std::map<std::string, std::string>& members);

struct CheckpointJson {
  Json root;         // the whole object
  int64_t step = 0;  // root["step"]
};
// Reads and checks DIR/ckpt.json: an atn::Error names the file and what is missing or malformed.
CheckpointJson read_checkpoint_json(const std::string& dir);

// Helpers for reading members: each throws atn::Error naming `where` and the key.
const Json& member_of(const Json& object, const std::string& key, const std::string& where);
int64_t int_member(const Json& object, const std::string& key, const std::string& where);
double number_member(const Json& object, const std::string& key, const std::string& where);
bool bool_member(const Json& object, const std::string& key, const std::string& where);
std::string string_member(const Json& object, const std::string& key, const std::string& where);

// The shortest decimal text that reads back as exactly `v` ("0.001", not "0.00100000005"), so a
// setting saved in ckpt.json resumes bit for bit and still reads well.
std::string float_text(real v);

// JSON text back from a tree (compact), so a member can be handed on (a tokenizer's JSON).
std::string to_json_text(const Json& value);

}  // namespace atn
