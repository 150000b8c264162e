// The narration helper every lesson uses: command-line flags, numbered steps, bilingual text
// (Spanish first, English with --lang en), pauses, the list of figures, Summary and Exercises.
//
// How a lesson file is laid out (copy this pattern):
//
//   lessons/lessonNN_<tema>.cpp, read top to bottom:
//     namespace lessonNN {
//       // Computations a test must check: plain functions that return results and print nothing
//       // (e.g. `LineFit fit_line(const LineFitConfig&)`), each next to the step that uses it.
//       // Long experiment machinery (training runs and comparisons) goes to
//       // lessons/common/<what>.h/.cpp, still in namespace lessonNN, so the lesson reads step
//       // by step (lessons 12 and 13 do this).
//       // Steps: `void paso3_cinta(atn::Narrator& n)` calls them and narrates what they show.
//       void run(atn::Narrator& n) { paso1_...(n); ...; n.summary({...}); n.exercises({...}); }
//     }
//     #ifndef ATN_LESSON_NO_MAIN
//     int main(int argc, char** argv) {
//       return atn::run_lesson(argc, argv, "NN", {"Tema", "Topic"}, lessonNN::run);
//     }
//     #endif
//
//   tests/test_lessonNN.cpp does `#define ATN_LESSON_NO_MAIN` and then
//   `#include "lessons/lessonNN_<tema>.cpp"`, and asserts on the computation functions in
//   quick mode; it can also run `lessonNN::run(n)` with a Narrator writing to an
//   std::ostringstream and look for the printed claims. The lesson reads top to bottom
//   on its own, and the test runs the very code the lesson prints. Each lesson lives in its own
//   namespace so tests never collide. (tests/test_lesson00.cpp is the example.)
//
// Flags: --step  --lang es|en  --seed N  --quick  --full  --out DIR  --help. A bad flag is
// reported in one line on stderr with exit status 2, in the lesson's language (Spanish, or English
// when a good --lang en appears anywhere among the flags); so is an --out folder that cannot be
// created or written, before the first step. parse_lesson_args() and check_out_dir() return the
// message instead of exiting, so tests can check it.
//
// Paragraphs wrap at the terminal's width (COLUMNS if set, else the terminal of std::cout), at
// most 96 columns (longer lines are hard to read) and at least 40; 96 when not on a terminal.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "viz/terminal_heatmap.h"

namespace atn {

enum class Lang { es, en };

// Length of the run: quick for tests and CI, normal by default, full for better pictures.
enum class RunMode { quick, normal, full };

struct LessonOptions {
  bool step = false;  // wait for Enter after each step (only when stdin is a terminal)
  Lang lang = Lang::es;
  uint64_t seed = 1;
  RunMode mode = RunMode::normal;
  std::string out_dir{};  // default "out/lessonNN"
  bool help = false;
};

struct ParseResult {
  LessonOptions options;
  std::string error{};  // empty when the flags were good; otherwise one line naming the bad flag
};

// `lesson` is the two-digit number, e.g. "00"; it names the default output folder.
ParseResult parse_lesson_args(int argc, const char* const* argv, const std::string& lesson);
// Creates `dir` if needed and checks that a file can be written in it: "" when it can, otherwise
// one line naming the flag, the folder and the reason.
std::string check_out_dir(const std::string& dir, Lang lang);
std::string lesson_usage(const std::string& program, const std::string& lesson, Lang lang);

// The column at which paragraphs wrap: `columns_env` (the COLUMNS variable, may be null) if it is a
// positive number, else `tty_columns` if positive, else kMaxWrap; clamped to [kMinWrap, kMaxWrap].
inline constexpr size_t kMinWrap = 40, kMaxWrap = 96;
size_t wrap_width(const char* columns_env, int tty_columns);
size_t terminal_wrap_width();  // wrap_width(getenv("COLUMNS"), the width of std::cout's terminal)

// A sentence in both languages.
struct Text {
  std::string es, en;
};

// Replaces each "{}" in `pattern` with the next argument, written with operator<<.
// fmt("pérdida {} en la época {}", 0.25, 10) == "pérdida 0.25 en la época 10"
std::string format_args(std::string_view pattern, const std::vector<std::string>& args);
template <class T>
std::string to_text(const T& value) {
  std::ostringstream os;
  os << value;
  return os.str();
}
template <class... Args>
std::string fmt(std::string_view pattern, const Args&... args) {
  return format_args(pattern, {to_text(args)...});
}
// A number with a fixed count of decimals, right-aligned in `width` columns if given:
// fixed(3.14159, 3) == "3.142", fixed(-1.5, 2, 7) == "  -1.50".
std::string fixed(double value, int decimals, int width = 0);
// A number in scientific notation: sci(0.000123) == "1.23e-04".
std::string sci(double value, int decimals = 2);

class Narrator {
 public:
  // Colors and pauses are decided from the streams: only std::cout on a terminal gets colors,
  // only std::cin on a terminal (and --step) pauses. Tests pass an std::ostringstream.
  explicit Narrator(LessonOptions options, std::ostream& out = std::cout, std::istream& in = std::cin);

  const LessonOptions& options() const { return options_; }
  bool english() const { return options_.lang == Lang::en; }
  bool quick() const { return options_.mode == RunMode::quick; }
  bool full() const { return options_.mode == RunMode::full; }
  bool color() const { return color_; }  // stdout is a terminal: escape codes are allowed
  // The column paragraphs wrap at: terminal_wrap_width() for std::cout, kMaxWrap for other streams.
  size_t width() const { return width_; }
  void set_width(size_t columns) { width_ = columns; }
  std::ostream& out() { return out_; }

  // The text in the chosen language.
  const std::string& tr(const std::string& es, const std::string& en) const { return english() ? en : es; }
  const std::string& tr(const Text& t) const { return tr(t.es, t.en); }

  void title(const std::string& lesson, const Text& name);  // "Lección 00 · Tensores y ..."
  // "Paso 1: ..." / "Step 1: ...". Waits for Enter first if --step and a step was shown before.
  void step(int number, const std::string& es_title, const std::string& en_title);
  // Prints one paragraph (wrapped at width()) in the chosen language; "{}" takes the args.
  template <class... Args>
  void say(std::string_view es, std::string_view en, const Args&... args) {
    paragraph(fmt(english() ? en : es, args...));
  }
  // Prints text as given but indented two spaces (code, tensors, tables, a tape dump).
  void show(const std::string& text);
  // A matrix as a terminal heatmap: colors on a terminal, Unicode shades otherwise.
  void heatmap(const Tensor& matrix, TerminalHeatmap options);

  // Where figure `file` goes (inside --out), and recording a figure that was written.
  std::string path(const std::string& file) const;
  void figure(const std::string& path, const std::string& es, const std::string& en);
  const std::vector<std::string>& figures() const { return figures_; }

  void summary(std::initializer_list<Text> points);    // "Resumen" / "Summary"
  void exercises(std::initializer_list<Text> points);  // "Ejercicios" / "Exercises", numbered
  void finish();                                       // prints "Figuras escritas:" / "Figures written:" with the list

  void pause();  // waits for Enter when --step and stdin is a terminal; otherwise does nothing

 private:
  void paragraph(const std::string& text, size_t hang = 0);
  void heading(const std::string& text);

  LessonOptions options_;
  std::ostream& out_;
  std::istream& in_;
  bool color_ = false;
  size_t width_ = kMaxWrap;
  bool can_pause_ = false;
  bool shown_step_ = false;
  std::vector<std::string> figures_;
  std::vector<std::string> figure_notes_;
};

// Everything a lesson's main() does: parse the flags (--help → usage in the lesson's language,
// exit 0; bad flag or bad --out folder → one line on stderr, exit 2), print the title, run the
// lesson, print the figures. An atn::Error that escapes the lesson is printed on stderr with exit
// status 1.
int run_lesson(int argc, char** argv, const std::string& lesson, const Text& name,
               const std::function<void(Narrator&)>& body);

}  // namespace atn
