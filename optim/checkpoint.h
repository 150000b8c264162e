// A training checkpoint: the model, its optimizer and (optionally) the Rng that drives dropout
// and batching, in one safetensors file, so that a run stopped and resumed gives bit for bit
// the parameters of a run that never stopped.
//
// Names inside the file: "model.<parameter>", "optimizer.<key>", and the I64 tensor "rng.state".
// (Module::save writes the plain PyTorch names instead: use that to take weights to PyTorch.)
#pragma once
#include <map>
#include <string>

#include "nn/module.h"
#include "optim/optimizer.h"
#include "tensor/rng.h"

namespace atn {

// Written atomically: an interrupted save leaves the previous checkpoint intact.
void save_checkpoint(const std::string& path, const Module& model, const Optimizer& optimizer, const Rng* rng = nullptr,
                     const std::map<std::string, std::string>& metadata = {});

// Checks the whole file against the model, the optimizer and the Rng before changing any of
// them; an atn::Error names the file and every problem. Returns the metadata.
std::map<std::string, std::string> load_checkpoint(const std::string& path, Module& model, Optimizer& optimizer,
                                                   Rng* rng = nullptr);

}  // namespace atn
