#include "tensor/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>

#include "tensor/error.h"

namespace atn {

namespace {

namespace fs = std::filesystem;

// "<name>.tmp-<pid>-<16 hex digits>": the pid says who owns it, the random part keeps
// concurrent writers of one process (threads) apart.
std::string temp_prefix(const std::string& path) { return fs::path(path).filename().string() + ".tmp-"; }

std::string temp_path_for(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  const uint64_t tick = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
  const uint64_t noise = (uint64_t(std::random_device{}()) << 32) ^ tick ^ (counter++ << 48);
  static const char* const hex = "0123456789abcdef";
  std::string suffix;
  for (int i = 0; i < 16; ++i) suffix += hex[(noise >> (4 * i)) & 0xF];
  return path + ".tmp-" + std::to_string(long(getpid())) + "-" + suffix;
}

// The pid in a temporary file's name, or -1 when the name is not one of ours.
long owner_pid(const std::string& filename, const std::string& prefix) {
  if (filename.rfind(prefix, 0) != 0) return -1;
  const std::string rest = filename.substr(prefix.size());
  const size_t dash = rest.find('-');
  if (dash == 0 || dash == std::string::npos || rest.size() - dash - 1 != 16) return -1;
  long pid = 0;
  for (size_t i = 0; i < dash; ++i) {
    if (rest[i] < '0' || rest[i] > '9' || pid > 1'000'000'000) return -1;
    pid = pid * 10 + (rest[i] - '0');
  }
  for (size_t i = dash + 1; i < rest.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(rest[i]))) return -1;
  return pid;
}

bool process_exists(long pid) { return pid > 0 && (kill(pid_t(pid), 0) == 0 || errno == EPERM); }

// fsync on a folder makes a rename inside it durable; some file systems refuse it (EINVAL),
// which only means they give no stronger guarantee, so that is not an error.
void sync_folder(const fs::path& folder) {
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::vector<std::string> stale_temp_files(const std::string& path) {
  std::vector<std::string> stale;
  const fs::path folder = fs::path(path).parent_path();
  const std::string prefix = temp_prefix(path);
  std::error_code ec;
  for (fs::directory_iterator it(folder.empty() ? fs::path(".") : folder, ec), end; !ec && it != end;
       it.increment(ec)) {
    const long pid = owner_pid(it->path().filename().string(), prefix);
    if (pid > 0 && pid != long(getpid()) && !process_exists(pid)) stale.push_back(it->path().string());
  }
  return stale;
}

void write_file_atomically(const std::string& path, std::string_view bytes, const char* op) {
  std::error_code ignored;
  for (const std::string& old : stale_temp_files(path)) fs::remove(old, ignored);

  const std::string temp = temp_path_for(path);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    fail(op, ": cannot create '", path, "': opening the temporary file '", temp, "' failed: ", std::strerror(errno),
         " (does the folder exist and is it writable?)");
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      fs::remove(temp, ignored);
      fail(op, ": writing '", temp, "' failed: ", std::strerror(err), " (disk full?)");
    }
    p += n;
    left -= size_t(n);
  }
  // The data must be on disk before the rename makes it visible under the real name.
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int err = errno;
    fs::remove(temp, ignored);
    fail(op, ": flushing '", temp, "' to disk failed: ", std::strerror(err));
  }
  // Renaming within one folder replaces the target in one step: a reader sees the old file or
  // the new one, never a mixture.
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ignored);
    fail(op, ": cannot replace '", path, "': ", ec.message());
  }
  sync_folder(fs::path(path).parent_path());
}

}  // namespace atn
