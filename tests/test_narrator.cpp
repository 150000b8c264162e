// The lesson narration helper: flag parsing (good flags, each kind of bad flag), both languages,
// steps, wrapping, summary/exercises/figures, run_lesson's exit statuses.
#include <gtest/gtest.h>

#include <sstream>

#include "lessons/common/narrator.h"
#include "tensor/error.h"
#include "tensor/tensor.h"

namespace atn {
namespace {

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

TEST(NarratorFlags, BadFlagsNameTheFlag) {
  EXPECT_EQ(parse({"--bogus"}).error, "unknown flag '--bogus' (try --help)");
  EXPECT_EQ(parse({"extra"}).error, "unknown flag 'extra' (try --help)");
  EXPECT_EQ(parse({"--lang", "fr"}).error, "--lang: expected 'es' or 'en', got 'fr'");
  EXPECT_EQ(parse({"--seed", "12a"}).error, "--seed: expected a whole number, got '12a'");
  EXPECT_EQ(parse({"--seed", "-3"}).error, "--seed: expected a whole number, got '-3'");
  EXPECT_EQ(parse({"--seed"}).error, "--seed: missing value");
  EXPECT_EQ(parse({"--quick=1"}).error, "--quick: takes no value");
  EXPECT_EQ(parse({"--out="}).error, "--out: empty folder name");
  EXPECT_EQ(parse({"--quick", "--full"}).error, "--quick and --full cannot be used together");
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
  bool ran = false;
  auto body = [&](Narrator& n) {
    ran = true;
    n.say("hola", "hello");
  };
  Captured c = run({"--nope"}, body);
  EXPECT_EQ(c.status, 2);
  EXPECT_EQ(c.err, "lesson07: unknown flag '--nope' (try --help)\n");
  EXPECT_EQ(c.out, "");
  EXPECT_FALSE(ran);

  c = run({"--help"}, body);
  EXPECT_EQ(c.status, 0);
  EXPECT_NE(c.out.find("--lang es|en"), std::string::npos);
  EXPECT_NE(c.out.find("semilla aleatoria / random seed"), std::string::npos);  // both languages
  EXPECT_NE(c.out.find("out/lesson07"), std::string::npos);
  EXPECT_FALSE(ran);

  c = run({"--lang", "en"}, body);
  EXPECT_EQ(c.status, 0);
  EXPECT_TRUE(ran);
  EXPECT_EQ(c.out.rfind("Lesson 07 · Title\n", 0), 0u);
  EXPECT_NE(c.out.find("hello\n"), std::string::npos);
  EXPECT_EQ(c.out.find("hola"), std::string::npos);
  EXPECT_EQ(c.out.find('\033'), std::string::npos);  // std::cout is not a terminal here

  c = run({}, [](Narrator&) { fail("matmul: inner dimensions differ: [4, 3] x [5, 2]"); });
  EXPECT_EQ(c.status, 1);
  EXPECT_EQ(c.err, "lesson07: error: matmul: inner dimensions differ: [4, 3] x [5, 2]\n");
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
