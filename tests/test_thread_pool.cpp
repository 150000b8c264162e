// The thread pool: every index exactly once in fixed chunks, nesting, exceptions, thread counts.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tensor/error.h"
#include "tensor/thread_pool.h"
#include "tests/test_util.h"

namespace atn {
namespace {

// Restores the thread count a test changed, so tests do not leak settings into each other.
using testing_util::KeepThreadCount;

TEST(ThreadPool, EveryIndexExactlyOnceInFixedChunks) {
  KeepThreadCount keep;
  for (int threads : {1, 2, 3, 4}) {
    set_num_threads(threads);
    EXPECT_EQ(num_threads(), threads);
    for (int64_t grain : {1, 7, 1000}) {
      const int64_t n = 1001;
      std::vector<std::atomic<int>> hits(n);
      std::atomic<bool> bad_chunk{false};
      parallel_for(
          n,
          [&](int64_t begin, int64_t end) {
            // Chunks are [c·grain, min((c+1)·grain, n)), whatever the thread count.
            if (begin % grain != 0 || end != std::min(n, begin + grain)) bad_chunk = true;
            for (int64_t i = begin; i < end; ++i) hits[i]++;
          },
          grain);
      EXPECT_FALSE(bad_chunk) << "threads=" << threads << " grain=" << grain;
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "index " << i << " threads=" << threads;
    }
  }
}

TEST(ThreadPool, EmptyRangeCallsNothing) {
  int calls = 0;
  parallel_for(0, [&](int64_t, int64_t) { ++calls; });
  parallel_for(-5, [&](int64_t, int64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(ThreadPool, WorkIsReallySharedBetweenThreads) {
  KeepThreadCount keep;
  set_num_threads(2);
  // Two chunks that each wait for the other: they can only both finish if two threads run them
  // at the same time. The timeout keeps a broken pool from hanging the suite.
  std::atomic<int> arrived{0};
  std::atomic<bool> met{true};
  parallel_for(2, [&](int64_t, int64_t) {
    arrived++;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (arrived.load() < 2)
      if (std::chrono::steady_clock::now() > deadline) {
        met = false;
        return;
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
  });
  EXPECT_TRUE(met);
}

TEST(ThreadPool, NestedCallsRunInlineWithoutDeadlock) {
  KeepThreadCount keep;
  set_num_threads(3);
  const int64_t outer = 16, inner = 50;
  std::vector<std::atomic<int>> hits(outer * inner);
  parallel_for(outer, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o)
      parallel_for(
          inner, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) hits[o * inner + i]++;
          },
          3);
  });
  for (auto& h : hits) ASSERT_EQ(h.load(), 1);
}

TEST(ThreadPool, ExceptionsReachTheCaller) {
  KeepThreadCount keep;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    EXPECT_THROW(parallel_for(100, [](int64_t begin, int64_t) {
                   if (begin == 37) throw std::runtime_error("task 37 failed");
                 }),
                 std::runtime_error);
    try {
      parallel_for(10, [](int64_t begin, int64_t) {
        if (begin == 3) fail("op: bad input");
      });
      ADD_FAILURE() << "no exception";
    } catch (const Error& e) {
      EXPECT_STREQ(e.what(), "op: bad input");
    }
    // The pool still works afterwards.
    std::atomic<int64_t> sum{0};
    parallel_for(100, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) sum += i;
    });
    EXPECT_EQ(sum.load(), 4950);  // 0 + 1 + ... + 99
  }
}

TEST(ThreadPool, CallersOnSeveralThreadsAllFinish) {
  KeepThreadCount keep;
  set_num_threads(2);
  std::atomic<int64_t> sum{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c)
    callers.emplace_back([&] {
      for (int rep = 0; rep < 20; ++rep)
        parallel_for(64, [&](int64_t begin, int64_t end) { sum += end - begin; });
    });
  for (auto& t : callers) t.join();
  EXPECT_EQ(sum.load(), 3 * 20 * 64);
}

TEST(ThreadPool, BadArgumentsThrow) {
  KeepThreadCount keep;
  EXPECT_THROW(set_num_threads(0), Error);
  EXPECT_THROW(set_num_threads(-2), Error);
  try {
    set_num_threads(0);
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "set_num_threads: need at least 1 thread, got 0");
  }
  EXPECT_THROW(parallel_for(10, [](int64_t, int64_t) {}, 0), Error);
  // Resizing the pool from inside one of its tasks would wait for itself.
  set_num_threads(2);
  EXPECT_THROW(parallel_for(4, [](int64_t, int64_t) { set_num_threads(1); }), Error);
  EXPECT_EQ(num_threads(), 2);
}

TEST(ThreadPool, OneRuleForTheThreadCountText) {
  EXPECT_EQ(parse_thread_count("1"), 1);
  EXPECT_EQ(parse_thread_count("3"), 3);
  EXPECT_EQ(parse_thread_count("0004"), 4);
  EXPECT_EQ(parse_thread_count("4096"), 4096);
  for (const char* bad : {"", " 3", "3 ", "+2", "-1", "0", "4097", "2.0", "0x2", "two", "99999999999999999999"}) {
    try {
      parse_thread_count(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), std::string("ATN_THREADS must be a whole number from 1 to 4096, got '") + bad + "'");
    }
  }
}

}  // namespace
}  // namespace atn
