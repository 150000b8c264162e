// The `atencion` command (tools/atencion.cpp is only `return atencion_main(...)`): subcommands
//   train    train a GPT on a text (the built-in Spanish corpus by default)
//   sample   continue a prompt with a trained checkpoint
//   eval     loss, perplexity and bits per character of a checkpoint on a text
//   inspect  the config and parameter table of a checkpoint folder or a .safetensors file
//   export   the weights with nanoGPT's names, for PyTorch
//   meanfield  bifurcation diagrams and trajectories of the mean-field dynamics of self-attention
// The logic lives here, in the library, so tests call these functions directly.
//
// Errors: every bad flag, missing or malformed file is one line on `err` naming the problem,
// and the exit status 2. Each command writes its normal output to `out`.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace atn {

// args = argv[1..]: the subcommand and its flags. Returns the exit status.
int atencion_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The subcommands: flags after the subcommand's name. They throw UsageError (train/cli_args.h)
// or atn::Error on bad input; atencion_main turns that into one line and status 2.
int cli_train(const std::vector<std::string>& args, std::ostream& out);
int cli_sample(const std::vector<std::string>& args, std::ostream& out);
int cli_eval(const std::vector<std::string>& args, std::ostream& out);
int cli_inspect(const std::vector<std::string>& args, std::ostream& out);
int cli_export(const std::vector<std::string>& args, std::ostream& out);
// Progress and ETA go to `err`.
int cli_meanfield(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace atn
