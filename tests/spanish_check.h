// Does a lesson's English output (--lang en) still contain Spanish? Looks for the letters and
// marks only Spanish uses (á é í ó ú ñ ¿ ¡ «) and for common Spanish words as whole words.
// A word right before '(' is taken for a function name (sin(x)). Data shown on purpose (a Spanish sentence used as
// tokens) is removed by the caller first. Returns the first Spanish piece found with its line, or "" when there is
// none.
#pragma once
#include <cctype>
#include <sstream>
#include <string>
#include <vector>

namespace atn::testing_util {

inline std::string spanish_in(const std::string& text) {
  static const std::vector<std::string> marks = {"á", "é", "í", "ó", "ú", "ñ", "¿", "¡", "«", "»"};
  static const std::vector<std::string> words = {"el",   "la",   "los",   "las", "del",   "que",     "con",  "por",
                                                 "para", "una",  "es",    "sin", "paso",  "pérdida", "cada", "entre",
                                                 "pero", "como", "según", "sí",  "donde", "fila"};
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    for (const std::string& m : marks)
      if (line.find(m) != std::string::npos) return "'" + m + "' in: " + line;
    std::string word;
    for (size_t i = 0; i <= line.size(); ++i) {
      const unsigned char c = i < line.size() ? static_cast<unsigned char>(line[i]) : ' ';
      if (std::isalpha(c) || c >= 0x80 || c == '_') {  // a_name_with_underscores is code
        word += char(std::tolower(c));
        continue;
      }
      const bool function_name = c == '(';  // sin(x) is the sine in English too
      for (const std::string& w : words)
        if (word == w && !function_name) return "word '" + w + "' in: " + line;
      word.clear();
    }
  }
  return "";
}

}  // namespace atn::testing_util
