// Memory measured where it is allocated: how many bytes of tensor storage are alive now, and the
// most that were alive at once since the last reset. Lesson 08 uses it to measure the memory of
// local and dense attention instead of computing it from a formula.
//
// Every storage block counts with its size class (tensor/allocator.h: a request rounded up by at
// most 25 %), whether the caching allocator is on or off, so the numbers are the same either way
// (and under the sanitizers, where caching is off). Blocks freed back to the cache stop counting:
// this is what tensors hold, not what the process holds. Thread-safe.
//
//   const int64_t before = live_tensor_bytes();
//   reset_peak_tensor_bytes();
//   ... compute ...
//   const int64_t needed = peak_tensor_bytes() - before;  // the most the computation held at once
#pragma once
#include <cstdint>

namespace atn {

int64_t live_tensor_bytes();
int64_t peak_tensor_bytes();
// The peak becomes the bytes alive now.
void reset_peak_tensor_bytes();

}  // namespace atn
