// Runs the suite and ends with one line "N passed, M failed" (exit status 1 on any failure).
#include <gtest/gtest.h>

#include <cstdio>

#include "autograd/tape.h"
#include "tensor/malloc_tuning.h"

namespace {
// Every test starts with an empty tape on the main thread: a test that runs a forward pass
// without backward() must not leave entries that a later test would count.
class ClearTape : public testing::EmptyTestEventListener {
  void OnTestStart(const testing::TestInfo&) override { atn::Tape::current().clear(); }
};
}  // namespace

int main(int argc, char** argv) {
  atn::keep_freed_memory_in_process();  // the training tests would otherwise spend seconds in brk/munmap
  testing::InitGoogleTest(&argc, argv);
  testing::UnitTest::GetInstance()->listeners().Append(new ClearTape);
  const int status = RUN_ALL_TESTS();
  const auto& unit = *testing::UnitTest::GetInstance();
  std::printf("%d passed, %d failed\n", unit.successful_test_count(), unit.failed_test_count());
  return status != 0 || unit.failed_test_count() > 0 ? 1 : 0;
}
