// Writing a file so that readers, crashes and power losses only ever see the old contents or
// the new ones, never a mixture or a truncated file.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace atn {

// Writes `bytes` to a temporary file beside `path` (same folder, so the rename below is one
// step), flushes it to disk (fsync), renames it over `path`, then flushes the folder, so the new
// name survives a power loss too. Temporary names carry the writer's process id; files left by
// writers that were killed (kill -9, power loss) are removed by the next write to the same path.
// `op` names the caller in the atn::Error thrown on failure (no file is left behind then).
void write_file_atomically(const std::string& path, std::string_view bytes, const char* op);

// The temporary files beside `path` whose writer process no longer exists (for tests and tools).
std::vector<std::string> stale_temp_files(const std::string& path);

}  // namespace atn
