// Runs the suite and ends with one line "N passed, M failed" (exit status 1 on any failure).
#include <gtest/gtest.h>

#include <cstdio>

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  const int status = RUN_ALL_TESTS();
  const auto& unit = *testing::UnitTest::GetInstance();
  std::printf("%d passed, %d failed\n", unit.successful_test_count(), unit.failed_test_count());
  return status != 0 || unit.failed_test_count() > 0 ? 1 : 0;
}
