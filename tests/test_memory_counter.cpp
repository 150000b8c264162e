// tensor/memory_counter.h: live and peak bytes of tensor storage, with the caching allocator on
// and off, and across threads.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "tensor/allocator.h"
#include "tensor/memory_counter.h"
#include "tensor/tensor.h"

namespace atn {
namespace {

struct KeepCaching {
  bool caching = caching_allocator_enabled();
  ~KeepCaching() { set_caching_allocator(caching); }
};

TEST(MemoryCounter, LiveAndPeakFollowTensorsWithCachingOnAndOff) {
  KeepCaching keep;
  for (bool caching : {true, false}) {
    set_caching_allocator(caching);
    const int64_t base = live_tensor_bytes();
    reset_peak_tensor_bytes();
    EXPECT_EQ(peak_tensor_bytes(), base);
    {
      Tensor a({1000});  // 4 000 bytes → the 4 096 class
      EXPECT_EQ(live_tensor_bytes(), base + 4096) << caching;
      {
        Tensor b({10});  // 40 bytes → 64
        EXPECT_EQ(live_tensor_bytes(), base + 4096 + 64);
      }
      EXPECT_EQ(live_tensor_bytes(), base + 4096);
      Tensor view = a.reshape({10, 100});  // a view allocates nothing
      EXPECT_EQ(live_tensor_bytes(), base + 4096);
    }
    EXPECT_EQ(live_tensor_bytes(), base);
    EXPECT_EQ(peak_tensor_bytes(), base + 4096 + 64);  // the peak remembers
    reset_peak_tensor_bytes();
    EXPECT_EQ(peak_tensor_bytes(), base);
  }
}

TEST(MemoryCounter, BlocksAllocatedBeforeASwitchAreCountedBackCorrectly) {
  KeepCaching keep;
  set_caching_allocator(true);
  const int64_t base = live_tensor_bytes();
  auto* t = new Tensor({5000});  // pooled: 20 000 bytes → the 20 480 class
  set_caching_allocator(false);
  EXPECT_EQ(live_tensor_bytes(), base + 20480);
  delete t;
  EXPECT_EQ(live_tensor_bytes(), base);
}

TEST(MemoryCounter, ThreadsAllocatingAtOnceLeaveTheCountWhereItWas) {
  const int64_t base = live_tensor_bytes();
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([] {
      for (int i = 0; i < 200; ++i) Tensor t({int64_t(1 + i * 7)});
    });
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(live_tensor_bytes(), base);
  EXPECT_GE(peak_tensor_bytes(), base);
}

}  // namespace
}  // namespace atn
