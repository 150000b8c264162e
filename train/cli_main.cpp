#include <iostream>
#include <string>

#include "train/cli.h"
#include "train/cli_args.h"

namespace atn {

namespace {
const char* kUsage =
    "usage: atencion <command> [flags]   (atencion <command> --help for its flags)\n"
    "\n"
    "commands:\n"
    "  train    train a GPT (--model gpt, natural or adaptive-span) on a text file (default: the built-in Spanish corpus)\n"
    "  sample   continue a prompt with a trained checkpoint\n"
    "  eval     loss, perplexity and bits per character of a checkpoint on a text\n"
    "  inspect  config and parameter table of a checkpoint folder or a .safetensors file\n"
    "  export   write a checkpoint's weights with nanoGPT's names, for PyTorch\n"
    "  meanfield  bifurcation diagrams and trajectories of the mean-field dynamics of self-attention\n"
    "\n"
    "example:\n"
    "  atencion train --iters 2000 --out out/gpt\n"
    "  atencion sample --ckpt out/gpt --prompt \"El perro\" --tokens 200\n";

// Errors from deep in the library may span lines (a state-dict mismatch lists every name);
// the tool promises one line.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}
}  // namespace

int atencion_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kUsage;
    return 2;
  }
  const std::string& command = args[0];
  if (command == "--help" || command == "-h" || command == "help") {
    out << kUsage;
    return 0;
  }
  using Command = int (*)(const std::vector<std::string>&, std::ostream&);
  Command run = command == "train"     ? cli_train
                : command == "sample"  ? cli_sample
                : command == "eval"    ? cli_eval
                : command == "inspect" ? cli_inspect
                : command == "export"  ? cli_export
                                       : nullptr;
  const bool meanfield = command == "meanfield";  // the one command that also writes progress to err
  if (!run && !meanfield) {
    err << "atencion: unknown command '" << command << "' (train, sample, eval, inspect, export, meanfield; see atencion --help)\n";
    return 2;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    return meanfield ? cli_meanfield(rest, out, err) : run(rest, out);
  } catch (const UsageError& e) {
    err << one_line(e.what()) << "\n";  // already names the command
  } catch (const Error& e) {
    err << "atencion " << command << ": " << one_line(e.what()) << "\n";
  } catch (const std::exception& e) {  // a file system error, out of memory, ...
    err << "atencion " << command << ": " << one_line(e.what()) << "\n";
    return 1;
  }
  return 2;
}

}  // namespace atn
