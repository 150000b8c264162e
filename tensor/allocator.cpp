#include "tensor/allocator.h"

#include "tensor/memory_counter.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace atn {

namespace {

constexpr std::align_val_t kAlignment{64};

struct Pool {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free_lists;  // size class in bytes → free blocks
  AllocatorStats stats;
};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: tensors in static objects may be freed after main
  return *p;
}

bool caching_from_environment() {
#if defined(__SANITIZE_ADDRESS__)
  // Under AddressSanitizer every block goes back to the system when freed, so that a tensor
  // used after its storage was freed is reported instead of reading a recycled block. (Tests
  // that switch caching on still exercise the cache there.)
  return false;
#else
  const char* s = std::getenv("ATN_ALLOCATOR");
  return !(s && std::strcmp(s, "plain") == 0);
#endif
}

std::atomic<bool>& caching() {
  static std::atomic<bool> on{caching_from_environment()};
  return on;
}

std::atomic<bool> poison{false};

// tensor/memory_counter.h: bytes alive (by size class) and their peak since the last reset.
std::atomic<int64_t> live_bytes{0}, peak_bytes{0};

void count_allocation(size_t bytes) {
  const int64_t now = live_bytes.fetch_add(int64_t(bytes)) + int64_t(bytes);
  int64_t peak = peak_bytes.load();
  while (now > peak && !peak_bytes.compare_exchange_weak(peak, now)) {
  }
}

void* system_allocate(size_t bytes) { return ::operator new(bytes, kAlignment); }
void system_free(void* p) noexcept { ::operator delete(p, kAlignment); }

// Frees every cached block; the caller holds the mutex.
void release_locked(Pool& p) {
  for (auto& [bytes, blocks] : p.free_lists) {
    for (void* b : blocks) system_free(b);
    p.stats.cached_bytes -= int64_t(bytes * blocks.size());
    blocks.clear();
  }
}

}  // namespace

int64_t live_tensor_bytes() { return live_bytes.load(); }
int64_t peak_tensor_bytes() { return peak_bytes.load(); }
void reset_peak_tensor_bytes() { peak_bytes.store(live_bytes.load()); }

bool caching_allocator_enabled() { return caching().load(); }
void set_caching_allocator(bool on) { caching().store(on); }

void release_cached_memory() {
  Pool& p = pool();
  std::lock_guard lock(p.mutex);
  release_locked(p);
}

AllocatorStats allocator_stats() {
  Pool& p = pool();
  std::lock_guard lock(p.mutex);
  return p.stats;
}

void set_allocator_poison(bool on) { poison.store(on); }

namespace detail {

size_t size_class(size_t bytes) {
  if (bytes <= 512) return std::max<size_t>(64, (bytes + 63) / 64 * 64);
  // 2ᵏ < bytes ≤ 2ᵏ⁺¹: round up to a multiple of 2ᵏ/4, the quarter steps between the two powers.
  const size_t k = size_t(std::bit_width(bytes - 1)) - 1;
  const size_t quarter = size_t(1) << (k - 2);
  return (bytes + quarter - 1) / quarter * quarter;
}

Block allocate_block(size_t count) {
  Block block;
  if (count == 0) return block;
  if (count > std::numeric_limits<size_t>::max() / sizeof(real) / 2) throw std::bad_alloc();
  if (!caching_allocator_enabled()) {
    block.bytes = count * sizeof(real);
    block.data = static_cast<real*>(system_allocate(block.bytes));
  } else {
    block.bytes = size_class(count * sizeof(real));
    block.pooled = true;
    Pool& p = pool();
    std::unique_lock lock(p.mutex);
    auto& blocks = p.free_lists[block.bytes];
    if (!blocks.empty()) {
      block.data = static_cast<real*>(blocks.back());
      blocks.pop_back();
      p.stats.cached_bytes -= int64_t(block.bytes);
      ++p.stats.reused;
    } else {
      ++p.stats.fresh;
      lock.unlock();  // the system call needs no lock
      try {
        block.data = static_cast<real*>(system_allocate(block.bytes));
      } catch (const std::bad_alloc&) {
        // Blocks of other sizes may be sitting in the cache: give them back and try once more.
        release_cached_memory();
        block.data = static_cast<real*>(system_allocate(block.bytes));
      }
      lock.lock();
    }
    p.stats.in_use_bytes += int64_t(block.bytes);
  }
  count_allocation(size_class(count * sizeof(real)));
  if (poison.load()) std::fill(block.data, block.data + count, std::numeric_limits<real>::quiet_NaN());
  return block;
}

void free_block(const Block& block) noexcept {
  if (!block.data) return;
  live_bytes.fetch_sub(int64_t(size_class(block.bytes)));  // plain: the exact request; pooled: its class
  if (!block.pooled) {
    system_free(block.data);
    return;
  }
  Pool& p = pool();
  std::lock_guard lock(p.mutex);
  p.stats.in_use_bytes -= int64_t(block.bytes);
  if (!caching_allocator_enabled()) {  // switched off since: nothing more is kept
    system_free(block.data);
    return;
  }
  try {
    p.free_lists[block.bytes].push_back(block.data);
    p.stats.cached_bytes += int64_t(block.bytes);
  } catch (...) {  // no memory even for the list entry: give the block back instead
    system_free(block.data);
  }
}

}  // namespace detail

}  // namespace atn
