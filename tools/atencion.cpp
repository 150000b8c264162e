// atencion: train a GPT on your text, sample from it, evaluate, inspect, export to PyTorch.
// Everything is in train/cli*.cpp (so the tests can call it); `atencion --help` lists commands.
#include <iostream>
#include <string>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "train/cli.h"

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // A training step allocates and frees tens of MB of tensors. By default glibc returns big
  // blocks to the system and the next step faults them back in as fresh zeroed pages, which
  // bench_gpt measured at several times the cost of the step's arithmetic. Keep freed memory in
  // the process instead (a caching allocator in tensor/ is the lasting fix, issue 9).
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
  const std::vector<std::string> args(argv + 1, argv + argc);
  return atn::atencion_main(args, std::cout, std::cerr);
}
