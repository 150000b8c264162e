#include "lessons/common/narrator.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>

#include "tensor/error.h"
#include "tensor/malloc_tuning.h"
#include "viz/terminal_heatmap.h"

namespace atn {

namespace {

// Bold headings on a terminal only: escape codes would litter a file or a pipe.
const char* const kBold = "\033[1m";
const char* const kReset = "\033[0m";

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

namespace {

// The value of the last good --lang among the arguments, so that an error in a flag written
// before it is already reported in that language ("--seed x --lang en").
Lang language_of(int argc, const char* const* argv) {
  Lang lang = Lang::es;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    std::string value;
    if (arg == "--lang" && i + 1 < argc)
      value = argv[++i];
    else if (arg.rfind("--lang=", 0) == 0)
      value = arg.substr(7);
    else if ((arg == "--seed" || arg == "--out") && i + 1 < argc)
      ++i;  // a value, not a flag
    if (value == "es") lang = Lang::es;
    if (value == "en") lang = Lang::en;
  }
  return lang;
}

}  // namespace

ParseResult parse_lesson_args(int argc, const char* const* argv, const std::string& lesson) {
  ParseResult r;
  r.options.out_dir = "out/lesson" + lesson;
  r.options.lang = language_of(argc, argv);
  const bool en = r.options.lang == Lang::en;
  auto say = [en](const std::string& es_text, const std::string& en_text) { return en ? en_text : es_text; };
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
        r.error = arg + say(": falta el valor", ": missing value");
        return r;
      }
      value = argv[++i];
    } else if (!takes_value && has_value) {
      r.error = arg + say(": no lleva valor", ": takes no value");
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
      if (value != "es" && value != "en")
        r.error = say("--lang: se esperaba 'es' o 'en', no '", "--lang: expected 'es' or 'en', got '") + value + "'";
    } else if (arg == "--seed") {
      if (!parse_u64(value, r.options.seed))
        r.error =
            say("--seed: se esperaba un número entero no negativo, no '", "--seed: expected a whole number, got '") +
            value + "'";
    } else if (arg == "--out") {
      if (value.empty()) r.error = say("--out: nombre de carpeta vacío", "--out: empty folder name");
      r.options.out_dir = value;
    } else {
      r.error = say("opción desconocida '", "unknown flag '") + arg + say("' (prueba --help)", "' (try --help)");
    }
    if (!r.error.empty()) return r;
  }
  if (quick && full) r.error = say("--quick y --full no van juntos", "--quick and --full cannot be used together");
  r.options.mode = quick ? RunMode::quick : full ? RunMode::full : RunMode::normal;
  return r;
}

std::string check_out_dir(const std::string& dir, Lang lang) {
  namespace fs = std::filesystem;
  const bool en = lang == Lang::en;
  const std::string cannot = (en ? "--out: cannot write in '" : "--out: no se puede escribir en '") + dir + "': ";
  // The usual reasons in the lesson's language; the system's (English) text for the rest.
  auto reason = [en](const std::error_code& ec) -> std::string {
    if (ec == std::errc::not_a_directory || ec == std::errc::file_exists)
      return en ? "a file is in the way, not a folder" : "hay un archivo en el camino, no una carpeta";
    if (ec == std::errc::permission_denied || ec == std::errc::operation_not_permitted)
      return en ? "permission denied" : "permiso denegado";
    if (ec == std::errc::read_only_file_system)
      return en ? "read-only file system" : "sistema de archivos de solo lectura";
    return ec.message();
  };
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return cannot + reason(ec);
  if (!fs::is_directory(dir, ec)) return cannot + reason(std::make_error_code(std::errc::not_a_directory));
  // Permissions alone do not tell (a read-only file system, root, ACLs): try to write a file.
  const fs::path probe = fs::path(dir) / (".atn-probe-" + std::to_string(getpid()));
  bool wrote = false;
  {
    std::ofstream f(probe);
    wrote = bool(f << "x") && bool(f.flush());
  }
  fs::remove(probe, ec);
  if (!wrote) return cannot + (en ? "the folder is not writable" : "la carpeta no admite escritura");
  return "";
}

std::string lesson_usage(const std::string& program, const std::string& lesson, Lang lang) {
  if (lang == Lang::en)
    return "Usage: " + program +
           " [options]\n"
           "  --step         wait for Enter after each step\n"
           "  --lang es|en   language of the text (default es)\n"
           "  --seed N       random seed (default 1)\n"
           "  --quick        the fastest run (tests, CI)\n"
           "  --full         train longer, better figures\n"
           "  --out DIR      folder for the figures (default out/lesson" +
           lesson +
           ")\n"
           "  --help         this help\n"
           "With make:  make lesson" +
           lesson + " ARGS=\"--step --lang en\"\n";
  return "Uso: " + program +
         " [opciones]      (in English: --help --lang en)\n"
         "  --step         espera Enter tras cada paso\n"
         "  --lang es|en   idioma del texto (es por omisión)\n"
         "  --seed N       semilla aleatoria (1 por omisión)\n"
         "  --quick        la ejecución más rápida (pruebas, CI)\n"
         "  --full         entrena más, mejores figuras\n"
         "  --out DIR      carpeta de las figuras (out/lesson" +
         lesson +
         " por omisión)\n"
         "  --help         esta ayuda\n"
         "Con make:  make lesson" +
         lesson + " ARGS=\"--step --lang es\"\n";
}

size_t wrap_width(const char* columns_env, int tty_columns) {
  long columns = 0;
  if (columns_env != nullptr && *columns_env != '\0') {
    char* end = nullptr;
    columns = std::strtol(columns_env, &end, 10);
    if (*end != '\0' || columns <= 0) columns = 0;  // not a number: ignore it
  }
  if (columns == 0) columns = tty_columns;
  if (columns <= 0) return kMaxWrap;
  return std::clamp<size_t>(size_t(columns), kMinWrap, kMaxWrap);
}

size_t terminal_wrap_width() {
  winsize size{};
  const int tty = isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 ? int(size.ws_col) : 0;
  return wrap_width(std::getenv("COLUMNS"), tty);
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
  width_ = &out == &std::cout ? terminal_wrap_width() : kMaxWrap;
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
    if (column > hang && column + 1 + w > width_) {
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
      if (in_brackets || after_equals || before_equals)
        word += ' ';
      else
        flush_word();
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
    std::cout << lesson_usage(program, lesson, parsed.options.lang);
    return 0;
  }
  // A folder the figures cannot go to is a bad flag too: say so now, not after the first steps.
  if (const std::string bad_out = check_out_dir(parsed.options.out_dir, parsed.options.lang); !bad_out.empty()) {
    std::cerr << program << ": " << bad_out << "\n";
    return 2;
  }
  keep_freed_memory_in_process();  // lessons that train would otherwise spend seconds in brk/munmap
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
