// What the tests of the `atencion` command share: run it in-process and keep what it printed,
// a fresh temporary folder, and the check of a usage error (one line naming the problem, status 2).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "train/cli.h"

namespace atn::testing_util {

struct CliRun {
  int status;
  std::string out, err;
};

inline CliRun atencion(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int status = atencion_main(args, out, err);
  return {status, out.str(), err.str()};
}

// An empty path under GoogleTest's temporary folder; `prefix` keeps the suites apart.
inline std::string fresh_temp_path(const std::string& prefix, const std::string& name) {
  const std::string p = ::testing::TempDir() + prefix + name;
  std::filesystem::remove_all(p);
  return p;
}

inline void expect_usage_error(const CliRun& r, const std::string& needle) {
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace atn::testing_util
