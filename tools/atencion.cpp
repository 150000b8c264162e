// atencion: train a GPT on your text, sample from it, evaluate, inspect, export to PyTorch.
// Everything is in train/cli*.cpp (so the tests can call it); `atencion --help` lists commands.
#include <iostream>
#include <string>
#include <vector>

#include "tensor/malloc_tuning.h"
#include "train/cli.h"

int main(int argc, char** argv) {
  atn::keep_freed_memory_in_process();  // a training step frees and reallocates tens of MB
  const std::vector<std::string> args(argv + 1, argv + argc);
  return atn::atencion_main(args, std::cout, std::cerr);
}
