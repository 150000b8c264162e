// Where tensor storage comes from: a caching allocator, with the plain path beside it.
//
// A training step allocates and frees thousands of tensors, the same sizes every step. Handing
// each large block back to the system and taking it again next step costs page faults (fresh
// pages are zeroed by the kernel) and on a virtual machine those can cost more than the
// arithmetic. The caching allocator keeps freed blocks in free lists, one per size class, and
// hands them out again: after the first step a step allocates nothing from the system.
//
// Size classes: a request is rounded up to a multiple of 64 bytes up to 512 bytes, and above
// that to the next of 4 steps per power of two (2ᵏ, 1.25·2ᵏ, 1.5·2ᵏ, 1.75·2ᵏ), so at most 25 %
// of a block is unused and a handful of classes serve a whole model. Every block is 64-byte
// aligned (one cache line, one AVX-512 vector).
//
// The plain path (every block from ::operator new, freed at once) is kept: set_caching_allocator
// (false), or ATN_ALLOCATOR=plain in the environment, selects it. Both give the same numbers;
// only where the bytes live differs. All functions are thread-safe.
#pragma once
#include <cstddef>
#include <cstdint>

#include "tensor/shape.h"

namespace atn {

// On (the default) unless ATN_ALLOCATOR=plain was set when the first tensor was made.
bool caching_allocator_enabled();
// Blocks allocated before a switch go back where they came from.
void set_caching_allocator(bool on);
// Frees every cached block back to the system (e.g. between training and a big evaluation).
void release_cached_memory();

// For tests and benchmarks: counts since the program started.
struct AllocatorStats {
  int64_t reused = 0;        // requests served from a free list
  int64_t fresh = 0;         // requests that went to the system
  int64_t cached_bytes = 0;  // bytes now held in free lists
  int64_t in_use_bytes = 0;  // bytes now handed out (rounded to their size class)
};
AllocatorStats allocator_stats();

// Debugging aid: when on, every block handed out (fresh or reused) is first filled with NaN, so
// a kernel that reads an output it did not write shows it in the result. Off by default.
void set_allocator_poison(bool on);

namespace detail {
// The byte count a request of `bytes` is rounded up to (its size class).
size_t size_class(size_t bytes);

// A block of floats. `pooled`: it came from the caching allocator and returns to its free list.
struct Block {
  real* data = nullptr;
  size_t bytes = 0;
  bool pooled = false;
};
// Throws std::bad_alloc when the system has no memory left (after releasing the cache once).
Block allocate_block(size_t count);
void free_block(const Block& block) noexcept;
}  // namespace detail

}  // namespace atn
