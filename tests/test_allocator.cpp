// The caching allocator (tensor/allocator.h): size classes, reuse, release, thread safety, and
// that neither it nor the uninitialized outputs (Tensor::empty) change any result.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "autograd/tape.h"
#include "models/gpt.h"
#include "optim/adam.h"
#include "tensor/allocator.h"
#include "tensor/thread_pool.h"

namespace atn {
namespace {

// Restores the allocator's settings when a test ends, whatever it changed.
struct AllocatorSettings {
  bool caching = caching_allocator_enabled();
  ~AllocatorSettings() {
    set_caching_allocator(caching);
    set_allocator_poison(false);
  }
};

TEST(Allocator, SizeClassesCoverTheRequestWithAtMostAQuarterToSpare) {
  size_t previous = 0;
  for (size_t bytes = 1; bytes < (size_t(1) << 22); bytes += 1 + bytes / 7) {
    const size_t c = detail::size_class(bytes);
    EXPECT_GE(c, bytes);
    EXPECT_EQ(c % 64, 0u) << bytes;  // whole cache lines
    EXPECT_GE(c, previous) << bytes;  // a bigger request never gets a smaller class
    if (bytes > 512) {
      EXPECT_LE(double(c), 1.25 * double(bytes)) << bytes;
    }
    previous = c;
  }
  EXPECT_EQ(detail::size_class(4096), 4096u);  // a power of two is its own class
  EXPECT_EQ(detail::size_class(4097), 5120u);  // then the next quarter step
}

TEST(Allocator, FreedBlockIsReusedAndIsAlignedAndANewTensorIsStillZero) {
  AllocatorSettings keep;
  set_caching_allocator(true);
  const real* first;
  {
    Tensor t = Tensor::full({1000}, 7);
    first = t.data();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(first) % 64, 0u);
  }
  const AllocatorStats before = allocator_stats();
  Tensor again = Tensor::zeros({990});  // 3 960 bytes: the same size class as 4 000 (4 096)
  const AllocatorStats after = allocator_stats();
  EXPECT_EQ(again.data(), first);  // the block just freed, not a new one
  EXPECT_EQ(after.reused, before.reused + 1);
  EXPECT_EQ(after.fresh, before.fresh);
  for (real v : again) ASSERT_EQ(v, 0);  // no 7 left over from the previous tensor
  Tensor ones = Tensor::ones({3, 5});
  for (real v : ones) ASSERT_EQ(v, 1);
}

TEST(Allocator, ReleaseGivesEveryCachedBlockBack) {
  AllocatorSettings keep;
  set_caching_allocator(true);
  { Tensor big({1 << 16}); }
  EXPECT_GE(allocator_stats().cached_bytes, int64_t(sizeof(real)) << 16);
  release_cached_memory();
  EXPECT_EQ(allocator_stats().cached_bytes, 0);
  const int64_t fresh = allocator_stats().fresh;
  Tensor big({1 << 16});  // nothing cached to reuse any more
  EXPECT_EQ(allocator_stats().fresh, fresh + 1);
}

TEST(Allocator, PlainPathKeepsNothingAndBlocksGoBackWhereTheyCameFrom) {
  AllocatorSettings keep;
  set_caching_allocator(true);
  Tensor pooled({5000});
  release_cached_memory();
  set_caching_allocator(false);
  EXPECT_FALSE(caching_allocator_enabled());
  const int64_t in_use = allocator_stats().in_use_bytes;
  { Tensor plain({5000}); }  // from ::operator new and straight back
  pooled = Tensor();          // allocated while caching was on; freed with it off: not kept either
  EXPECT_EQ(allocator_stats().cached_bytes, 0);
  EXPECT_LT(allocator_stats().in_use_bytes, in_use);
}

TEST(Allocator, ManyThreadsAllocatingAndFreeingNeverShareABlock) {
  AllocatorSettings keep;
  set_caching_allocator(true);
  const int64_t in_use = allocator_stats().in_use_bytes;
  auto worker = [](int id, bool* ok) {
    Rng rng(uint64_t(id) + 1);
    std::vector<Tensor> live;
    for (int i = 0; i < 3000; ++i) {
      if (live.size() > 8 || (!live.empty() && rng.below(2) == 0)) {
        const Tensor& t = live.back();
        for (real v : t) *ok = *ok && v == real(id);  // nobody else wrote into our block
        live.pop_back();
      } else {
        live.push_back(Tensor::full({int64_t(1 + rng.below(3000))}, real(id)));
      }
    }
  };
  std::vector<std::thread> threads;
  bool ok[4] = {true, true, true, true};
  for (int id = 0; id < 4; ++id) threads.emplace_back(worker, id, &ok[id]);
  for (auto& t : threads) t.join();
  for (bool b : ok) EXPECT_TRUE(b);
  EXPECT_EQ(allocator_stats().in_use_bytes, in_use);  // every block came back
}

TEST(Allocator, EmptyOfABadShapeThrows) {
  EXPECT_THROW(Tensor::empty({2, -3}), Error);
  try {
    Tensor::empty({-1});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Tensor::empty"), std::string::npos) << e.what();
  }
}

// Two AdamW steps of a small GPT; returns every parameter afterwards, flattened in order.
std::vector<real> gpt_after_two_steps() {
  Rng rng(3);
  GPT gpt(GPTConfig{.vocab = 13, .block = 16, .n_layer = 2, .n_head = 2, .d_model = 32}, rng);
  AdamW opt(gpt.parameters(), {.lr = 1e-2f, .weight_decay = 0.1f});
  for (int step = 0; step < 2; ++step) {
    Tensor x({3, 16}), y({3, 16});
    for (real& v : x) v = real(rng.below(13));
    for (real& v : y) v = real(rng.below(13));
    backward(gpt.loss(x, y));
    opt.step();
    opt.zero_grad();
  }
  std::vector<real> all;
  for (const Var& p : gpt.parameters()) all.insert(all.end(), p.value().begin(), p.value().end());
  return all;
}

TEST(Allocator, PlainCachingAndPoisonedBlocksGiveBitIdenticalTraining) {
  AllocatorSettings keep;
  set_caching_allocator(false);
  const std::vector<real> plain = gpt_after_two_steps();
  set_caching_allocator(true);
  const std::vector<real> cached = gpt_after_two_steps();
  // Poison: every block handed out starts as NaN. An op that read an element of its output
  // before writing it (an uninitialized Tensor::empty, a stale reused block) would spread NaN.
  set_allocator_poison(true);
  const std::vector<real> poisoned = gpt_after_two_steps();
  set_allocator_poison(false);
  ASSERT_EQ(plain.size(), cached.size());
  EXPECT_EQ(plain, cached);
  EXPECT_EQ(plain, poisoned);
}

}  // namespace
}  // namespace atn
