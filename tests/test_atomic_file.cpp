// write_file_atomically: old or new contents only, and no temporary files left behind by
// writers that were killed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nn/module.h"
#include "tensor/atomic_file.h"
#include "tensor/safetensors.h"

namespace atn {
namespace {

namespace fs = std::filesystem;

struct Folder {
  fs::path path = fs::temp_directory_path() /
                  ("atn_atomic_" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  Folder() { fs::create_directories(path); }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

void touch(const std::string& path) { std::ofstream(path) << "partial"; }

// The pid of a process that has exited (and been reaped): a writer killed mid-save.
long dead_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return long(child);
}

TEST(AtomicFile, WritesAndReplaces) {
  Folder dir;
  const std::string target = dir.file("a.bin");
  write_file_atomically(target, "first", "test");
  EXPECT_EQ(read_all(target), "first");
  write_file_atomically(target, std::string("sec\0nd", 6), "test");
  EXPECT_EQ(read_all(target), std::string("sec\0nd", 6));
  EXPECT_EQ(dir.names(), std::vector<std::string>{"a.bin"});  // no temporary file remains
}

TEST(AtomicFile, RemovesTempFilesOfDeadWritersOfThatPathOnly) {
  Folder dir;
  const std::string target = dir.file("model.safetensors");
  const std::string dead = target + ".tmp-" + std::to_string(dead_pid()) + "-0123456789abcdef";
  const std::string alive = target + ".tmp-" + std::to_string(long(getpid())) + "-0123456789abcdef";
  const std::string other_target = dir.file("other.safetensors.tmp-" + std::to_string(dead_pid()) + "-0123456789abcdef");
  const std::string not_ours = target + ".tmp-notapid";
  for (const auto& f : {dead, alive, other_target, not_ours}) touch(f);
  EXPECT_EQ(stale_temp_files(target), std::vector<std::string>{dead});

  save_safetensors(target, {{"w", Tensor::from({1, 2, 3})}});
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive));         // a save in progress in this process
  EXPECT_TRUE(fs::exists(other_target));  // belongs to another target
  EXPECT_TRUE(fs::exists(not_ours));      // not a name we make
  EXPECT_EQ(load_safetensors_floats(target).at("w").to_vector(), (std::vector<real>{1, 2, 3}));
}

TEST(AtomicFile, KilledWriterLeavesOldFileAndNextSaveCleansUp) {
  Folder dir;
  const std::string target = dir.file("ckpt.safetensors");
  save_safetensors(target, {{"w", Tensor::from({1})}});
  // A child starts saving and is killed before it can rename: only its temporary file remains.
  const pid_t child = fork();
  if (child == 0) {
    const std::string temp = target + ".tmp-" + std::to_string(long(getpid())) + "-00000000000000ff";
    touch(temp);
    _exit(0);  // as if killed: the rename never happens
  }
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_EQ(dir.names().size(), 2u);
  EXPECT_EQ(load_safetensors_floats(target).at("w").item(), 1);  // the old file is intact
  save_safetensors(target, {{"w", Tensor::from({2})}});
  EXPECT_EQ(dir.names(), std::vector<std::string>{"ckpt.safetensors"});
  EXPECT_EQ(load_safetensors_floats(target).at("w").item(), 2);
}

TEST(AtomicFile, FailureNamesTheCallerAndLeavesNothing) {
  Folder dir;
  try {
    write_file_atomically(dir.file("missing/x.bin"), "data", "my_op");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("my_op: cannot create", 0), 0u) << e.what();
  }
  EXPECT_TRUE(dir.names().empty());
  // Replacing a folder with a file fails at the rename; the temporary file is removed.
  fs::create_directories(dir.path / "taken" / "inside");
  EXPECT_THROW(write_file_atomically(dir.file("taken"), "data", "my_op"), Error);
  EXPECT_EQ(dir.names(), std::vector<std::string>{"taken"});
}

}  // namespace
}  // namespace atn
