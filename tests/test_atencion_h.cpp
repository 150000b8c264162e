// atencion.h, the one header for students' programs: it compiles on its own (it is the first
// include here), a program written against it alone builds and runs, and it lists every header
// of the library folders, so a header added without adding it here fails this test. Also: the
// README's example is the program CI builds and runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "atencion.h"

namespace atn {
namespace {

namespace fs = std::filesystem;

// The folders whose headers make up the public library.
const char* const kLibraryFolders[] = {"tensor", "autograd", "nn", "nn/attention", "optim", "data", "models", "dynamics", "train", "viz"};

// The repository root: this file is compiled as tests/test_atencion_h.cpp from the root, and
// `make test` runs the suite from there.
fs::path repo_root() { return fs::path(__FILE__).parent_path().parent_path(); }

std::set<std::string> headers_on_disk() {
  std::set<std::string> found;
  for (const char* folder : kLibraryFolders)
    for (const auto& entry : fs::directory_iterator(repo_root() / folder))
      if (entry.is_regular_file() && entry.path().extension() == ".h")
        found.insert(std::string(folder) + "/" + entry.path().filename().string());
  return found;
}

// The "..." of every `#include "..."` line.
std::set<std::string> headers_included(const std::string& text) {
  std::set<std::string> included;
  std::istringstream lines(text);
  const std::string directive = "#include \"";
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(directive, 0) == 0) {
      const size_t end = line.find('"', directive.size());
      if (end != std::string::npos) included.insert(line.substr(directive.size(), end - directive.size()));
    }
  return included;
}

TEST(AtencionHeader, ListsEveryLibraryHeader) {
  std::ifstream file(repo_root() / "atencion.h");
  ASSERT_TRUE(file) << "atencion.h not found from " << fs::current_path() << ": run the suite from the repository root";
  std::stringstream text;
  text << file.rdbuf();
  const std::set<std::string> included = headers_included(text.str()), on_disk = headers_on_disk();
  ASSERT_GT(on_disk.size(), 50u);  // the walk found the library (not an empty or wrong folder)
  for (const std::string& h : on_disk) EXPECT_TRUE(included.count(h)) << "atencion.h does not include " << h;
  for (const std::string& h : included)
    EXPECT_TRUE(on_disk.count(h)) << "atencion.h includes " << h << ", not a library header";
}

TEST(AtencionHeader, IncludedHeadersAreFoundInIncludeLines) {
  // The parser above, on a small text: only #include "..." lines at the start of a line count.
  EXPECT_EQ(headers_included("#include \"a/b.h\"\n// #include \"c.h\"\n#include <vector>\n  #include \"d.h\"\n"),
            (std::set<std::string>{"a/b.h"}));
}

std::string read_text(const fs::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(AtencionHeader, ReadmeShowsTheExampleProgramThatCiRuns) {
  // The README's ```cpp block is docs/mi_programa.cpp, which .ci/run builds and runs.
  const std::string readme = read_text(repo_root() / "README.md"),
                    program = read_text(repo_root() / "docs/mi_programa.cpp");
  ASSERT_FALSE(program.empty());
  const size_t open = readme.find("```cpp\n");
  ASSERT_NE(open, std::string::npos);
  const size_t start = open + 7, end = readme.find("```\n", start);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(readme.substr(start, end - start), program);
  EXPECT_NE(read_text(repo_root() / ".ci/run").find("make run -j\"$jobs\" WERROR=1 FILE=docs/mi_programa.cpp"),
            std::string::npos);
}

TEST(AtencionHeader, AProgramUsingOnlyItRuns) {
  // A few names from each layer, reached through atencion.h alone.
  Rng rng(3);
  MultiHeadAttention attention({.d_model = 4, .n_heads = 2, .causal = true}, rng);
  const Var x = constant(Tensor::randn({1, 3, 4}, rng));
  SGD opt(attention.parameters(), {.lr = 0.1f});
  const Var loss = mse(attention.forward(x).output, x);
  backward(loss);
  opt.step();
  const std::string picture = terminal_heatmap(causal_mask(3));
  EXPECT_EQ(std::count(picture.begin(), picture.end(), '\n'), 5);  // header, 3 rows, legend
  EXPECT_TRUE(std::isfinite(loss.item()));
}

}  // namespace
}  // namespace atn
