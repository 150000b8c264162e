// A small XML well-formedness check for the SVG figures the lessons write: one root element,
// every tag closed in order, attributes quoted, entities known. Not a validating parser: enough to
// know that a browser will open the file. Returns "" when well-formed, else what is wrong first.
#pragma once
#include <cctype>
#include <string>
#include <vector>

namespace atn::testing_util {

inline std::string xml_problem(const std::string& text) {
  std::vector<std::string> open;
  int roots = 0;
  size_t i = 0;
  auto entity_ok = [&](size_t at) {  // text[at] == '&'
    const size_t end = text.find(';', at);
    if (end == std::string::npos || end - at > 10) return false;
    const std::string name = text.substr(at + 1, end - at - 1);
    if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") return true;
    if (name.size() > 1 && name[0] == '#') {
      for (size_t k = 1; k < name.size(); ++k)
        if (!std::isxdigit(static_cast<unsigned char>(name[k])) && !(k == 1 && name[k] == 'x')) return false;
      return true;
    }
    return false;
  };
  auto is_name = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' || c == '.';
  };
  while (i < text.size()) {
    if (text[i] == '&') {
      if (!entity_ok(i)) return "bad entity at " + std::to_string(i);
      ++i;
      continue;
    }
    if (text[i] == '>') return "stray '>' at " + std::to_string(i);
    if (text[i] != '<') {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(text[i])))
        return "text outside the root at " + std::to_string(i);
      ++i;
      continue;
    }
    if (text.compare(i, 4, "<!--") == 0) {
      const size_t end = text.find("-->", i);
      if (end == std::string::npos) return "unclosed comment";
      i = end + 3;
      continue;
    }
    if (text.compare(i, 2, "<?") == 0) {
      const size_t end = text.find("?>", i);
      if (end == std::string::npos) return "unclosed declaration";
      i = end + 2;
      continue;
    }
    const bool closing = text.compare(i, 2, "</") == 0;
    size_t j = i + (closing ? 2 : 1);
    const size_t name_start = j;
    while (j < text.size() && is_name(text[j])) ++j;
    const std::string name = text.substr(name_start, j - name_start);
    if (name.empty()) return "tag without a name at " + std::to_string(i);
    if (closing) {
      while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
      if (j >= text.size() || text[j] != '>') return "bad closing tag </" + name;
      if (open.empty() || open.back() != name)
        return "</" + name + "> does not close " + (open.empty() ? "anything" : "<" + open.back() + ">");
      open.pop_back();
      i = j + 1;
      continue;
    }
    // Attributes: name="value" or name='value', separated by whitespace.
    bool self_closing = false;
    while (true) {
      while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
      if (j >= text.size()) return "unclosed tag <" + name;
      if (text[j] == '>') break;
      if (text.compare(j, 2, "/>") == 0) {
        self_closing = true, ++j;
        break;
      }
      const size_t attr = j;
      while (j < text.size() && is_name(text[j])) ++j;
      if (j == attr) return "bad attribute in <" + name + "> at " + std::to_string(j);
      if (j >= text.size() || text[j] != '=') return "attribute without value in <" + name + ">";
      ++j;
      if (j >= text.size() || (text[j] != '"' && text[j] != '\'')) return "unquoted attribute in <" + name + ">";
      const char quote = text[j];
      const size_t end = text.find(quote, j + 1);
      if (end == std::string::npos) return "unclosed attribute in <" + name + ">";
      for (size_t k = j + 1; k < end; ++k) {
        if (text[k] == '<') return "'<' inside an attribute of <" + name + ">";
        if (text[k] == '&' && !entity_ok(k)) return "bad entity in an attribute of <" + name + ">";
      }
      j = end + 1;
    }
    if (open.empty()) ++roots;
    if (roots > 1) return "more than one root element";
    if (!self_closing) open.push_back(name);
    i = j + 1;
  }
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  if (roots != 1) return "no root element";
  return "";
}

}  // namespace atn::testing_util
