// atencion meanfield, called as a library (train/cli.h): both subcommands end to end on small
// settings, resuming an interrupted diagram without recomputing finished β, and the one-line
// errors with status 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/xml_well_formed.h"
#include "tests/cli_test_util.h"
#include "train/cli.h"

namespace atn {
namespace {

namespace fs = std::filesystem;
using testing_util::atencion;
using testing_util::CliRun;
using testing_util::expect_usage_error;
using testing_util::read_text_file;
using testing_util::xml_problem;

std::string temp(const std::string& name) { return testing_util::fresh_temp_path("atn_cli_mf_", name); }

std::vector<std::string> small(const std::string& out) {
  return {"meanfield", "bifurcation", "--beta-min", "1.25", "--beta-max", "1.45", "--points", "6",
          "--burn-in", "2000", "--steps", "2000", "--chunk", "2", "--out", out};
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

TEST(CliMeanfield, HelpAndBadFlags) {
  EXPECT_NE(atencion({"--help"}).out.find("  meanfield "), std::string::npos);
  for (const std::string sub : {"bifurcation", "trajectory"}) {
    const CliRun h = atencion({"meanfield", sub, "--help"});
    EXPECT_EQ(h.status, 0);
    EXPECT_NE(h.out.find("--out"), std::string::npos) << sub;
  }
  EXPECT_EQ(atencion({"meanfield", "--help"}).status, 0);
  const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
      {{"meanfield", "bifurcation", "--points", "0"}, "--points"},
      {{"meanfield", "bifurcation", "--beta-min", "abc"}, "--beta-min"},
      {{"meanfield", "bifurcation", "--beta-min", "2", "--beta-max", "1"}, "--beta-min"},
      {{"meanfield", "bifurcation", "--colour", "red"}, "--colour"},
      {{"meanfield", "trajectory", "--steps", "-3"}, "--steps"},
      {{"meanfield", "wander"}, "wander"}};
  for (const auto& [args, needle] : bad) {
    const CliRun r = atencion(args);
    EXPECT_EQ(r.status, 2) << needle;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST(CliMeanfield, BifurcationWritesTablesAndFiguresAndResumes) {
  const std::string full = temp("full"), part = temp("part");
  const CliRun a = atencion(small(full));
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_NE(a.out.find("the two rules agree on"), std::string::npos) << a.out;
  EXPECT_NE(a.err.find("ETA"), std::string::npos) << a.err;
  const std::string summary = read_text_file(full + "/bifurcation.csv");
  EXPECT_EQ(std::count(summary.begin(), summary.end(), '\n'), 7);
  EXPECT_EQ(xml_problem(read_text_file(full + "/bifurcation.svg")), "");
  EXPECT_EQ(xml_problem(read_text_file(full + "/lambda1.svg")), "");

  // Interrupted after one chunk (2 of 6 β), then continued: the same tables, bit for bit.
  const CliRun first = atencion(with(small(part), {"--stop-after", "1"}));
  EXPECT_EQ(first.status, 0) << first.err;
  EXPECT_NE(first.err.find("stopped with 2 of 6"), std::string::npos) << first.err;
  EXPECT_FALSE(fs::exists(part + "/bifurcation.csv"));
  const CliRun second = atencion(small(part));
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_NE(second.err.find("resumed: 2 of 6"), std::string::npos) << second.err;
  EXPECT_EQ(read_text_file(part + "/bifurcation.csv"), summary);
  EXPECT_EQ(read_text_file(part + "/bifurcation_points.csv"), read_text_file(full + "/bifurcation_points.csv"));

  // A finished chunk is read, not recomputed: a marked chunk file shows up in the table.
  const std::string chunk = full + "/chunks/chunk_000000.txt";
  std::string text = read_text_file(chunk);
  const size_t comma = text.find(',', text.find(',', 2) + 1);  // after "C,0,<beta>"
  const size_t next = text.find(',', comma + 1);
  text.replace(comma + 1, next - comma - 1, "4242");  // its distinct count
  { std::ofstream(chunk) << text; }
  fs::remove(full + "/chunks/chunk_000002.txt");
  const CliRun third = atencion(small(full));
  ASSERT_EQ(third.status, 0) << third.err;
  EXPECT_NE(third.err.find("resumed: 4 of 6"), std::string::npos) << third.err;
  EXPECT_NE(read_text_file(full + "/bifurcation.csv").find(",4242,"), std::string::npos);

  // Other settings in the same folder: refused.
  const CliRun other = atencion(with(small(full), {}));
  std::vector<std::string> changed = small(full);
  changed[9] = "3000";  // --burn-in
  const CliRun refused = atencion(changed);
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.err.find("other settings"), std::string::npos) << refused.err;
  EXPECT_EQ(other.status, 0);
}

TEST(CliMeanfield, TrajectoryWritesEverything) {
  const std::string dir = temp("traj");
  const CliRun r = atencion({"meanfield", "trajectory", "--beta", "1.27382", "--burn-in", "100000", "--steps", "3000", "--out", dir});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("period 28"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("-> periodic"), std::string::npos) << r.out;
  for (const std::string f : {"trajectory.csv", "power_spectrum.csv", "autocorrelation.csv", "lyapunov.csv",
                              "series_250.svg", "series_350.svg", "series_5000.svg", "power_spectrum.svg",
                              "autocorrelation.svg", "phase_m.svg", "phase_A.svg", "lyapunov.svg"})
    EXPECT_TRUE(fs::exists(dir + "/" + f)) << f;
}

}  // namespace
}  // namespace atn
