// What every lesson test does with a whole run of its lesson: run it in quick mode in one
// language, then check the claims printed, the line width, that the English text is free of
// Spanish, and that every figure is well-formed XML. The lesson-specific claims stay in each test.
#pragma once
#include <algorithm>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "lessons/common/narrator.h"
#include "tests/spanish_check.h"
#include "tests/xml_well_formed.h"

namespace atn::testing_util {

inline LessonOptions quick_lesson_options(uint64_t seed = 1, Lang lang = Lang::es) {
  LessonOptions o;
  o.mode = RunMode::quick;
  o.seed = seed;
  o.lang = lang;
  return o;
}

// The text and figures of one whole run. `flat` is the text with line breaks turned into spaces,
// so a claim that the narrator wrapped over two lines is still found.
struct LessonRun {
  std::string text;
  std::string flat;
  std::vector<std::string> figures;
  std::string out_dir;
  bool has(const std::string& claim) const {
    return text.find(claim) != std::string::npos || flat.find(claim) != std::string::npos;
  }
  std::string figure_text(const std::string& file) const { return read_text_file(out_dir + "/" + file); }
};

// Runs `run(narrator)` in a fresh temporary folder named after `name` (the folder is left for the
// caller to inspect; the next run with the same name replaces it).
inline LessonRun run_lesson_quick(const std::string& name, Lang lang, const std::function<void(Narrator&)>& run,
                                  uint64_t seed = 1, RunMode mode = RunMode::quick) {
  namespace fs = std::filesystem;
  LessonOptions o = quick_lesson_options(seed, lang);
  o.mode = mode;
  o.out_dir = (fs::temp_directory_path() / ("atn_test_" + name + (lang == Lang::es ? "_es" : "_en"))).string();
  fs::remove_all(o.out_dir);
  std::ostringstream out;
  Narrator n(o, out);
  n.set_width(80);
  run(n);
  n.finish();
  LessonRun r;
  r.text = out.str();
  r.flat = r.text;
  std::replace(r.flat.begin(), r.flat.end(), '\n', ' ');
  r.figures = n.figures();
  r.out_dir = o.out_dir;
  return r;
}

// The first line wider than `columns` terminal columns (UTF-8 aware), or "" when none is. Lines
// naming a figure's path are skipped: the path depends on where the test runs.
inline std::string line_wider_than(const std::string& text, size_t columns) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(".svg") != std::string::npos) continue;
    size_t width = 0;
    for (unsigned char c : line) width += (c & 0xC0) != 0x80;
    if (width > columns) return line;
  }
  return "";
}

// The English text with the given data tokens (Spanish words shown on purpose, e.g. the course's
// sentences) removed where they stand as whole words, then checked by spanish_in.
inline std::string spanish_outside_tokens(const std::string& text, const std::vector<std::string>& tokens) {
  std::string s = " " + text;
  for (char& c : s)
    if (c == '\n') c = '\x01';  // keep the lines, but let a token at a line start match
  const std::vector<std::string> before = {" ", "\x01", "\"", "(", "[", "/"};
  const std::vector<std::string> after = {" ", "\"", "\x01", ":", ".", ",", ")", "]", "/"};
  for (const std::string& token : tokens)
    for (const std::string& b : before)
      for (const std::string& a : after)
        for (size_t at; (at = s.find(b + token + a)) != std::string::npos;) s.replace(at, b.size() + token.size() + a.size(), b + a);
  for (char& c : s)
    if (c == '\x01') c = '\n';
  return spanish_in(s);
}

// The first figure that is not well-formed XML, with its problem; "" when all are.
inline std::string bad_figure(const std::vector<std::string>& figures) {
  for (const std::string& f : figures) {
    const std::string problem = xml_problem(read_text_file(f));
    if (!problem.empty()) return f + ": " + problem;
  }
  return "";
}

}  // namespace atn::testing_util
