#include "data/corpus.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/spanish_text.h"
#include "data/utf8.h"
#include "tensor/error.h"

namespace atn {

std::vector<std::string> nine_sentences() {
  return {"el perro come un hueso",         "un muchacho jugaba",
          "el muchacho saltaba la cuerda",  "un perro come croquetas",
          "el perro come",                  "el gato come croquetas",
          "un gato come",                   "un muchacho jugaba con la cuerda",
          "el muchacho jugaba con la cuerda"};
}

std::vector<std::string> course_vocabulary() {
  return {"[bos]", "[eos]", "el", "perro", "come", "un", "hueso", "muchacho", "jugaba",
          "saltaba", "la", "cuerda", "croquetas", "gato", "con"};
}

std::string spanish_corpus() {
  // Seed and size are part of the corpus's definition: changing them changes every lesson's numbers.
  static const std::string text = generate_spanish_text(20240601, 300000);
  return text;
}

std::string read_text_file(const std::string& path) {
  if (std::filesystem::is_directory(path)) fail("read_text_file: \"", path, "\" is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("read_text_file: cannot open \"", path, "\"");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) fail("read_text_file: error while reading \"", path, "\"");
  std::string text = buffer.str();
  check_utf8(text, "read_text_file: \"" + path + "\"");
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  return text;
}

}  // namespace atn
