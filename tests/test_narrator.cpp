// The lesson narration helper: flag parsing (good flags, each kind of bad flag), both languages,
// steps, wrapping, summary/exercises/figures, run_lesson's exit statuses.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "lessons/common/narrator.h"
#include "tensor/error.h"
#include "tensor/tensor.h"

namespace atn {
namespace {

// Columns a line takes on screen (UTF-8 continuation bytes take none).
size_t display_columns(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

ParseResult parse(std::vector<const char*> args) {
  args.insert(args.begin(), "lesson07");
  return parse_lesson_args(int(args.size()), args.data(), "07");
}

TEST(NarratorFlags, Defaults) {
  const ParseResult r = parse({});
  EXPECT_EQ(r.error, "");
  EXPECT_FALSE(r.options.step);
  EXPECT_EQ(r.options.lang, Lang::es);
  EXPECT_EQ(r.options.seed, 1u);
  EXPECT_EQ(r.options.mode, RunMode::normal);
  EXPECT_EQ(r.options.out_dir, "out/lesson07");
  EXPECT_FALSE(r.options.help);
}

TEST(NarratorFlags, GoodFlags) {
  ParseResult r = parse({"--step", "--lang", "en", "--seed", "42", "--quick", "--out", "/tmp/x"});
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.options.step);
  EXPECT_EQ(r.options.lang, Lang::en);
  EXPECT_EQ(r.options.seed, 42u);
  EXPECT_EQ(r.options.mode, RunMode::quick);
  EXPECT_EQ(r.options.out_dir, "/tmp/x");

  r = parse({"--seed=7", "--lang=es", "--full", "--help"});
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.options.seed, 7u);
  EXPECT_EQ(r.options.mode, RunMode::full);
  EXPECT_TRUE(r.options.help);
}

TEST(NarratorFlags, BadFlagsNameTheFlagInSpanishByDefault) {
  EXPECT_EQ(parse({"--bogus"}).error, "opción desconocida '--bogus' (prueba --help)");
  EXPECT_EQ(parse({"extra"}).error, "opción desconocida 'extra' (prueba --help)");
  EXPECT_EQ(parse({"--lang", "fr"}).error, "--lang: se esperaba 'es' o 'en', no 'fr'");
  EXPECT_EQ(parse({"--seed", "12a"}).error, "--seed: se esperaba un número entero no negativo, no '12a'");
  EXPECT_EQ(parse({"--seed", "-3"}).error, "--seed: se esperaba un número entero no negativo, no '-3'");
  EXPECT_EQ(parse({"--seed"}).error, "--seed: falta el valor");
  EXPECT_EQ(parse({"--quick=1"}).error, "--quick: no lleva valor");
  EXPECT_EQ(parse({"--out="}).error, "--out: nombre de carpeta vacío");
  EXPECT_EQ(parse({"--quick", "--full"}).error, "--quick y --full no van juntos");
}

TEST(NarratorFlags, BadFlagsInEnglishWhenLangEnComesBeforeOrAfter) {
  EXPECT_EQ(parse({"--lang", "en", "--bogus"}).error, "unknown flag '--bogus' (try --help)");
  EXPECT_EQ(parse({"--bogus", "--lang", "en"}).error, "unknown flag '--bogus' (try --help)");  // --lang after
  EXPECT_EQ(parse({"--seed", "12a", "--lang=en"}).error, "--seed: expected a whole number, got '12a'");
  EXPECT_EQ(parse({"--quick=1", "--lang", "en"}).error, "--quick: takes no value");
  EXPECT_EQ(parse({"--lang", "en", "--seed"}).error, "--seed: missing value");
  EXPECT_EQ(parse({"--out=", "--lang", "en"}).error, "--out: empty folder name");
  EXPECT_EQ(parse({"--full", "--quick", "--lang", "en"}).error, "--quick and --full cannot be used together");
  EXPECT_EQ(parse({"--lang", "fr", "--lang", "en"}).error, "--lang: expected 'es' or 'en', got 'fr'");
  // The last good --lang wins; a folder called "--lang" is a value, not a flag.
  EXPECT_EQ(parse({"--lang", "en", "--lang", "es", "--bogus"}).error, "opción desconocida '--bogus' (prueba --help)");
  EXPECT_EQ(parse({"--out", "--lang", "en", "--bogus"}).error, "opción desconocida 'en' (prueba --help)");
}

TEST(NarratorFlags, UsageInTheChosenLanguageFitsEightyColumns) {
  const std::string es = lesson_usage("build/lesson07", "07", Lang::es),
                    en = lesson_usage("build/lesson07", "07", Lang::en);
  EXPECT_NE(es.find("semilla aleatoria"), std::string::npos);
  EXPECT_EQ(es.find("random seed"), std::string::npos);
  EXPECT_NE(es.find("--help --lang en"), std::string::npos);  // how to get it in English
  EXPECT_NE(en.find("random seed"), std::string::npos);
  EXPECT_EQ(en.find("semilla"), std::string::npos);
  for (const std::string& text : {es, en}) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) EXPECT_LE(display_columns(line), 80u) << line;
  }
}

// A fresh folder under the system's temporary folder, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name) : path(std::filesystem::temp_directory_path() / name) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path, ec);
  }
};

TEST(NarratorOutDir, GoodFolderIsCreated) {
  TempDir tmp("atn_test_narrator_out_good");
  const std::string dir = (tmp.path / "a" / "b").string();
  EXPECT_EQ(check_out_dir(dir, Lang::es), "");
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  EXPECT_TRUE(std::filesystem::is_empty(dir));  // the probe file is gone
}

TEST(NarratorOutDir, PathUnderAFileIsRefusedInTheLessonsLanguage) {
  TempDir tmp("atn_test_narrator_out_file");
  const std::string file = (tmp.path / "f").string();
  std::ofstream(file) << "x";
  const std::string es = check_out_dir(file + "/sub", Lang::es), en = check_out_dir(file + "/sub", Lang::en);
  EXPECT_EQ(es, "--out: no se puede escribir en '" + file + "/sub': hay un archivo en el camino, no una carpeta");
  EXPECT_EQ(en, "--out: cannot write in '" + file + "/sub': a file is in the way, not a folder");
  EXPECT_EQ(check_out_dir(file, Lang::en), "--out: cannot write in '" + file + "': a file is in the way, not a folder");
}

TEST(NarratorOutDir, UnwritableFolderIsRefused) {
#ifdef __linux__
  // /proc refuses new entries even to root.
  EXPECT_NE(check_out_dir("/proc/atn_test_out", Lang::en), "");
#endif
  TempDir tmp("atn_test_narrator_out_ro");
  std::filesystem::permissions(tmp.path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  const bool root_can_write = access(tmp.path.c_str(), W_OK) == 0;  // root ignores the permission bits
  if (!root_can_write) {
    EXPECT_EQ(check_out_dir(tmp.path.string(), Lang::en),
              "--out: cannot write in '" + tmp.path.string() + "': the folder is not writable");
  }
}

// Runs run_lesson with std::cout and std::cerr captured.
struct Captured {
  int status;
  std::string out, err;
};
Captured run(std::vector<const char*> args, const std::function<void(Narrator&)>& body) {
  args.insert(args.begin(), "lesson07");
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  const int status = run_lesson(int(args.size()), const_cast<char**>(args.data()), "07", {"Título", "Title"}, body);
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  return {status, out.str(), err.str()};
}

TEST(NarratorRun, ExitStatuses) {
  TempDir tmp("atn_test_narrator_run");
  const std::string out_dir = (tmp.path / "figs").string();
  bool ran = false;
  auto body = [&](Narrator& n) {
    ran = true;
    n.say("hola", "hello");
  };
  Captured c = run({"--nope"}, body);
  EXPECT_EQ(c.status, 2);
  EXPECT_EQ(c.err, "lesson07: opción desconocida '--nope' (prueba --help)\n");
  EXPECT_EQ(c.out, "");
  EXPECT_FALSE(ran);

  c = run({"--nope", "--lang", "en"}, body);
  EXPECT_EQ(c.status, 2);
  EXPECT_EQ(c.err, "lesson07: unknown flag '--nope' (try --help)\n");

  c = run({"--help"}, body);
  EXPECT_EQ(c.status, 0);
  EXPECT_NE(c.out.find("--lang es|en"), std::string::npos);
  EXPECT_NE(c.out.find("semilla aleatoria"), std::string::npos);
  EXPECT_NE(c.out.find("out/lesson07"), std::string::npos);
  EXPECT_FALSE(ran);
  c = run({"--help", "--lang", "en"}, body);
  EXPECT_NE(c.out.find("random seed"), std::string::npos);

  c = run({"--lang", "en", "--out", out_dir.c_str()}, body);
  EXPECT_EQ(c.status, 0);
  EXPECT_TRUE(ran);
  EXPECT_EQ(c.out.rfind("Lesson 07 · Title\n", 0), 0u);
  EXPECT_NE(c.out.find("hello\n"), std::string::npos);
  EXPECT_EQ(c.out.find("hola"), std::string::npos);
  EXPECT_EQ(c.out.find('\033'), std::string::npos);  // std::cout is not a terminal here
  EXPECT_TRUE(std::filesystem::is_directory(out_dir));

  c = run({"--out", out_dir.c_str()}, [](Narrator&) { fail("matmul: inner dimensions differ: [4, 3] x [5, 2]"); });
  EXPECT_EQ(c.status, 1);
  EXPECT_EQ(c.err, "lesson07: error: matmul: inner dimensions differ: [4, 3] x [5, 2]\n");
}

TEST(NarratorRun, BadOutFolderIsReportedBeforeTheFirstStep) {
  TempDir tmp("atn_test_narrator_run_bad_out");
  const std::string file = (tmp.path / "f").string(), under_file = file + "/figs";
  std::ofstream(file) << "x";
  bool ran = false;
  auto body = [&](Narrator&) { ran = true; };
  for (const char* lang : {"es", "en"}) {
    const Captured c = run({"--out", under_file.c_str(), "--lang", lang}, body);
    EXPECT_EQ(c.status, 2);
    EXPECT_EQ(c.out, "");  // not even the title
    EXPECT_EQ(
        c.err.rfind(std::string("lesson07: ") +
                        (lang == std::string("es") ? "--out: no se puede escribir en '" : "--out: cannot write in '") +
                        under_file + "': ",
                    0),
        0u)
        << c.err;
    EXPECT_EQ(std::count(c.err.begin(), c.err.end(), '\n'), 1);  // one line
    EXPECT_FALSE(ran);
  }
}

TEST(Narrator, SpanishAndEnglishText) {
  for (Lang lang : {Lang::es, Lang::en}) {
    const bool en = lang == Lang::en;
    std::ostringstream out;
    std::istringstream in("\n\n\n");
    LessonOptions o;
    o.lang = lang;
    o.step = true;  // no pause: `in` is not a terminal (and not std::cin)
    o.out_dir = "figs";
    Narrator n(o, out, in);
    n.title("07", {"Máscaras", "Masks"});
    n.step(1, "Primero", "First");
    n.say("La pérdida es {} tras {} épocas.", "The loss is {} after {} epochs.", fixed(0.25, 3), 10);
    n.show("a\nb");
    n.step(2, "Segundo", "Second");
    n.figure(n.path("f.svg"), "una figura", "a figure");
    n.summary({{"punto", "point"}});
    n.exercises({{"cambia", "change"}, {"prueba", "try"}});
    n.finish();
    const std::string expected =
        en ? "Lesson 07 · Masks\n=================\n"
             "\nStep 1: First\n-------------\nThe loss is 0.250 after 10 epochs.\n  a\n  b\n"
             "\nStep 2: Second\n--------------\n"
             "\nSummary\n-------\n- point\n"
             "\nExercises\n---------\n1. change\n2. try\n"
             "\nFigures written:\n----------------\n  figs/f.svg  (a figure)\n"
           : "Lección 07 · Máscaras\n=====================\n"
             "\nPaso 1: Primero\n---------------\nLa pérdida es 0.250 tras 10 épocas.\n  a\n  b\n"
             "\nPaso 2: Segundo\n---------------\n"
             "\nResumen\n-------\n- punto\n"
             "\nEjercicios\n----------\n1. cambia\n2. prueba\n"
             "\nFiguras escritas:\n-----------------\n  figs/f.svg  (una figura)\n";
    EXPECT_EQ(out.str(), expected);
    EXPECT_EQ(n.figures().size(), 1u);
    EXPECT_EQ(in.tellg(), 0);  // nothing was read: no pauses
  }
}

TEST(Narrator, WrapsLongParagraphsWithHangingIndent) {
  std::ostringstream out;
  Narrator n(LessonOptions{}, out);
  std::string words;
  for (int i = 0; i < 60; ++i) words += "palabra ";
  n.exercises({{words, words}});
  std::istringstream lines(out.str());
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == 'E' || line[0] == '-') continue;  // blank line and the heading
    EXPECT_LE(line.size(), 96u) << line;
    EXPECT_TRUE(count == 0 ? line.rfind("1. palabra", 0) == 0 : line.rfind("   palabra", 0) == 0) << line;
    ++count;
  }
  EXPECT_GE(count, 5);
}

TEST(Narrator, WrapWidthFollowsColumnsThenTheTerminal) {
  EXPECT_EQ(wrap_width(nullptr, 0), 96u);   // not a terminal
  EXPECT_EQ(wrap_width(nullptr, 80), 80u);  // an 80-column projector terminal
  EXPECT_EQ(wrap_width("72", 80), 72u);     // COLUMNS first
  EXPECT_EQ(wrap_width("", 80), 80u);
  EXPECT_EQ(wrap_width("abc", 80), 80u);  // not a number: ignored
  EXPECT_EQ(wrap_width("-5", 0), 96u);
  EXPECT_EQ(wrap_width("200", 0), 96u);  // never longer than 96: long lines are hard to read
  EXPECT_EQ(wrap_width(nullptr, 250), 96u);
  EXPECT_EQ(wrap_width("10", 0), 40u);  // nor narrower than 40
  std::ostringstream out;
  EXPECT_EQ(Narrator(LessonOptions{}, out).width(), 96u);  // a stream that is not std::cout
}

TEST(Narrator, WrapsAtEightyColumnsWithoutBreakingWords) {
  std::ostringstream out;
  Narrator n(LessonOptions{}, out);
  n.set_width(80);
  std::string text, words;
  for (int i = 0; i < 40; ++i) text += "atención" + std::to_string(i) + " ";
  n.say(text, text);
  std::istringstream lines(out.str());
  std::vector<std::string> printed;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_LE(display_columns(line), 80u) << line;
    printed.push_back(line);
    words += line + " ";
  }
  EXPECT_GE(printed.size(), 5u);
  // Greedy filling: the first word of each line would not have fitted on the line before.
  for (size_t i = 1; i < printed.size(); ++i)
    EXPECT_GT(display_columns(printed[i - 1]) + 1 + display_columns(printed[i].substr(0, printed[i].find(' '))), 80u);
  EXPECT_EQ(words, text);  // every word whole, in order
}

TEST(Narrator, FormatHelpers) {
  EXPECT_EQ(fmt("{} + {} = {}", 1, 2.5, "tres"), "1 + 2.5 = tres");
  EXPECT_EQ(fmt("sin argumentos {}"), "sin argumentos {}");  // missing arguments leave "{}"
  EXPECT_EQ(fmt("{", 1), "{");
  EXPECT_EQ(fixed(3.14159, 3), "3.142");
  EXPECT_EQ(fixed(-1.5, 2, 7), "  -1.50");
  EXPECT_EQ(sci(0.000123), "1.23e-04");
}

TEST(Narrator, HeatmapIsIndentedAndPlainOffTerminal) {
  std::ostringstream out;
  Narrator n(LessonOptions{}, out);
  n.heatmap(Tensor::from({0, 1, 2, 3}, {2, 2}), {.values = false});
  EXPECT_EQ(out.str(), "     0  1\n  0    ░░\n  1 ▓▓ ██\n    0.00 [ ░▒▓█] 3.00\n");
  EXPECT_EQ(n.path("a.svg"), "a.svg");  // no --out folder: the current one
}

}  // namespace
}  // namespace atn
