#include "lessons/common/narrator.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>

#include "tensor/error.h"
#include "viz/terminal_heatmap.h"

namespace atn {

namespace {

// Bold headings on a terminal only: escape codes would litter a file or a pipe.
const char* const kBold = "\033[1m";
const char* const kReset = "\033[0m";
constexpr size_t kWrap = 96;

size_t columns_of(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;  // UTF-8 continuation bytes take no column
  return w;
}

// Reads a whole non-negative decimal number, or returns false.
bool parse_u64(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  out = v;
  return true;
}

}  // namespace

ParseResult parse_lesson_args(int argc, const char* const* argv, const std::string& lesson) {
  ParseResult r;
  r.options.out_dir = "out/lesson" + lesson;
  bool quick = false, full = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    bool has_value = false;
    // Both "--seed 3" and "--seed=3".
    if (const size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    const bool takes_value = arg == "--lang" || arg == "--seed" || arg == "--out";
    if (takes_value && !has_value) {
      if (i + 1 >= argc) {
        r.error = arg + ": missing value";
        return r;
      }
      value = argv[++i];
    } else if (!takes_value && has_value) {
      r.error = arg + ": takes no value";
      return r;
    }
    if (arg == "--step")
      r.options.step = true;
    else if (arg == "--quick")
      quick = true;
    else if (arg == "--full")
      full = true;
    else if (arg == "--help" || arg == "-h")
      r.options.help = true;
    else if (arg == "--lang") {
      if (value == "es")
        r.options.lang = Lang::es;
      else if (value == "en")
        r.options.lang = Lang::en;
      else
        r.error = "--lang: expected 'es' or 'en', got '" + value + "'";
    } else if (arg == "--seed") {
      if (!parse_u64(value, r.options.seed)) r.error = "--seed: expected a whole number, got '" + value + "'";
    } else if (arg == "--out") {
      if (value.empty()) r.error = "--out: empty folder name";
      r.options.out_dir = value;
    } else {
      r.error = "unknown flag '" + arg + "' (try --help)";
    }
    if (!r.error.empty()) return r;
  }
  if (quick && full) r.error = "--quick and --full cannot be used together";
  r.options.mode = quick ? RunMode::quick : full ? RunMode::full : RunMode::normal;
  return r;
}

std::string lesson_usage(const std::string& program, const std::string& lesson) {
  return "Uso / Usage: " + program +
         " [opciones / options]\n"
         "  --step         espera Enter tras cada paso / wait for Enter after each step\n"
         "  --lang es|en   idioma del texto (es por omisión) / language of the text (default es)\n"
         "  --seed N       semilla aleatoria / random seed (default 1)\n"
         "  --quick        la ejecución más rápida (pruebas) / the fastest run (tests, CI)\n"
         "  --full         entrena más, mejores figuras / train longer, better figures\n"
         "  --out DIR      carpeta de figuras / figure folder (default out/lesson" +
         lesson +
         ")\n"
         "  --help         esta ayuda / this help\n"
         "Con make / with make:  make lesson" +
         lesson + " ARGS=\"--step --lang en\"\n";
}

std::string format_args(std::string_view pattern, const std::vector<std::string>& args) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{' && i + 1 < pattern.size() && pattern[i + 1] == '}' && next < args.size()) {
      out += args[next++];
      ++i;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

std::string fixed(double value, int decimals, int width) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%*.*f", width, decimals, value);
  return buf;
}

std::string sci(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*e", decimals, value);
  return buf;
}

Narrator::Narrator(LessonOptions options, std::ostream& out, std::istream& in)
    : options_(std::move(options)), out_(out), in_(in) {
  color_ = &out == &std::cout && isatty(STDOUT_FILENO);
  can_pause_ = options_.step && &in == &std::cin && isatty(STDIN_FILENO);
}

void Narrator::heading(const std::string& text) {
  out_ << "\n";
  if (color_)
    out_ << kBold << text << kReset << "\n";
  else
    out_ << text << "\n";
  out_ << std::string(columns_of(text), '-') << "\n";
}

void Narrator::title(const std::string& lesson, const Text& name) {
  const std::string text = tr("Lección ", "Lesson ") + lesson + " · " + tr(name);
  if (color_)
    out_ << kBold << text << kReset << "\n";
  else
    out_ << text << "\n";
  out_ << std::string(columns_of(text), '=') << "\n";
}

void Narrator::pause() {
  if (!can_pause_) return;
  out_ << tr("  [Enter para seguir]", "  [Enter to continue]") << std::flush;
  std::string ignored;
  if (!std::getline(in_, ignored)) can_pause_ = false;  // end of input: stop asking
}

void Narrator::step(int number, const std::string& es_title, const std::string& en_title) {
  if (shown_step_) pause();
  shown_step_ = true;
  heading(tr("Paso ", "Step ") + std::to_string(number) + ": " + tr(es_title, en_title));
}

// Greedy word wrap; explicit newlines in the text are kept. Wrapped lines are indented by
// `hang` columns, so a list item's continuation lines up under its text. A shape "[3, 4]" and
// the sides of an " = " stay on one line.
void Narrator::paragraph(const std::string& text, size_t hang) {
  size_t column = 0;
  std::string word;  // what goes on a line as one piece
  auto flush_word = [&] {
    if (word.empty()) return;
    const size_t w = columns_of(word);
    if (column > hang && column + 1 + w > kWrap) {
      out_ << "\n" << std::string(hang, ' ');
      column = hang;
    } else if (column > 0) {
      out_ << ' ';
      ++column;
    }
    out_ << word;
    column += w;
    word.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      flush_word(), out_ << "\n", column = 0;
    } else if (c != ' ') {
      word += c;
    } else {
      const bool in_brackets = std::count(word.begin(), word.end(), '[') > std::count(word.begin(), word.end(), ']');
      const bool after_equals = word == "=" || (word.size() >= 2 && word.compare(word.size() - 2, 2, " =") == 0);
      const bool before_equals = text.compare(i + 1, 2, "= ") == 0;
      if (in_brackets || after_equals || before_equals) word += ' ';
      else flush_word();
    }
  }
  flush_word();
  out_ << "\n";
}

void Narrator::show(const std::string& text) {
  // Indented two spaces, so code and results stand apart from the prose.
  bool line_start = true;
  for (char c : text) {
    if (line_start && c != '\n') out_ << "  ";
    out_ << c;
    line_start = c == '\n';
  }
  if (text.empty() || text.back() != '\n') out_ << "\n";
}

void Narrator::heatmap(const Tensor& matrix, TerminalHeatmap options) {
  options.color = color_;
  show(terminal_heatmap(matrix, options));
}

std::string Narrator::path(const std::string& file) const {
  return options_.out_dir.empty() ? file : options_.out_dir + "/" + file;
}

void Narrator::figure(const std::string& path, const std::string& es, const std::string& en) {
  figures_.push_back(path);
  figure_notes_.push_back(tr(es, en));
}

void Narrator::summary(std::initializer_list<Text> points) {
  if (shown_step_) pause();
  heading(tr("Resumen", "Summary"));
  for (const Text& t : points) paragraph("- " + tr(t), 2);
}

void Narrator::exercises(std::initializer_list<Text> points) {
  heading(tr("Ejercicios", "Exercises"));
  int k = 1;
  for (const Text& t : points) paragraph(std::to_string(k++) + ". " + tr(t), 3);
}

void Narrator::finish() {
  if (figures_.empty()) return;
  heading(tr("Figuras escritas:", "Figures written:"));
  for (size_t i = 0; i < figures_.size(); ++i) out_ << "  " << figures_[i] << "  (" << figure_notes_[i] << ")\n";
}

int run_lesson(int argc, char** argv, const std::string& lesson, const Text& name,
               const std::function<void(Narrator&)>& body) {
  const ParseResult parsed = parse_lesson_args(argc, argv, lesson);
  const std::string program = argc > 0 ? argv[0] : "lesson" + lesson;
  if (!parsed.error.empty()) {
    std::cerr << program << ": " << parsed.error << "\n";
    return 2;
  }
  if (parsed.options.help) {
    std::cout << lesson_usage(program, lesson);
    return 0;
  }
  Narrator n(parsed.options);
  try {
    n.title(lesson, name);
    body(n);
    n.finish();
  } catch (const Error& e) {
    std::cout << std::flush;
    std::cerr << program << ": error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace atn
