// A small well-formedness check for the SVG files the library and the lessons write: every tag
// closes in order, attributes are quoted, '&' only starts an entity, no stray '<' in text. It is
// not a full XML parser (no DTDs, no CDATA, no processing instructions other than <?xml ...?>),
// which is all our writers produce; it lets the tests say "a browser can open this file".
#pragma once
#include <cctype>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace atn::testing_util {

// "" when `xml` is well formed; otherwise what is wrong and where (a byte offset).
inline std::string xml_problem(const std::string& xml) {
  std::vector<std::string> open;
  size_t i = 0, roots = 0;
  auto at = [&](size_t pos) { return " at byte " + std::to_string(pos); };
  auto entity_ok = [&](size_t pos) {  // xml[pos] == '&'
    const size_t end = xml.find(';', pos);
    if (end == std::string::npos || end - pos > 10) return false;
    const std::string name = xml.substr(pos + 1, end - pos - 1);
    if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") return true;
    if (name.size() > 1 && name[0] == '#') {
      for (size_t k = 1; k < name.size(); ++k)
        if (!std::isxdigit(static_cast<unsigned char>(name[k])) && !(k == 1 && name[k] == 'x')) return false;
      return true;
    }
    return false;
  };
  while (i < xml.size()) {
    if (xml[i] != '<') {
      if (xml[i] == '>') return "stray '>'" + at(i);
      if (xml[i] == '&' && !entity_ok(i)) return "bad entity" + at(i);
      if (open.empty() && !std::isspace(static_cast<unsigned char>(xml[i]))) return "text outside the root" + at(i);
      ++i;
      continue;
    }
    if (xml.compare(i, 5, "<?xml") == 0) {
      const size_t end = xml.find("?>", i);
      if (end == std::string::npos) return "unclosed <?xml" + at(i);
      i = end + 2;
      continue;
    }
    if (xml.compare(i, 4, "<!--") == 0) {
      const size_t end = xml.find("-->", i);
      if (end == std::string::npos) return "unclosed comment" + at(i);
      i = end + 3;
      continue;
    }
    const bool closing = i + 1 < xml.size() && xml[i + 1] == '/';
    size_t k = i + (closing ? 2 : 1);
    const size_t name_start = k;
    while (k < xml.size() && (std::isalnum(static_cast<unsigned char>(xml[k])) || xml[k] == '-' || xml[k] == '_' ||
                              xml[k] == ':' || xml[k] == '.'))
      ++k;
    const std::string name = xml.substr(name_start, k - name_start);
    if (name.empty()) return "tag without a name" + at(i);
    if (closing) {
      while (k < xml.size() && std::isspace(static_cast<unsigned char>(xml[k]))) ++k;
      if (k >= xml.size() || xml[k] != '>') return "bad closing tag </" + name + at(i);
      if (open.empty() || open.back() != name)
        return "</" + name + "> closes " + (open.empty() ? std::string("nothing") : "<" + open.back() + ">") + at(i);
      open.pop_back();
      i = k + 1;
      continue;
    }
    // Attributes: name="value" or name='value', separated by white space.
    bool self_closing = false;
    for (;;) {
      const size_t before = k;
      while (k < xml.size() && std::isspace(static_cast<unsigned char>(xml[k]))) ++k;
      if (k >= xml.size()) return "unclosed <" + name + at(i);
      if (xml[k] == '>') break;
      if (xml.compare(k, 2, "/>") == 0) {
        self_closing = true;
        ++k;
        break;
      }
      if (k == before) return "attributes of <" + name + "> not separated by space" + at(k);
      const size_t attr = k;
      while (k < xml.size() && xml[k] != '=' && xml[k] != '>' && !std::isspace(static_cast<unsigned char>(xml[k]))) ++k;
      if (k == attr || k >= xml.size() || xml[k] != '=')
        return "attribute without a value in <" + name + ">" + at(attr);
      ++k;
      if (k >= xml.size() || (xml[k] != '"' && xml[k] != '\'')) return "unquoted attribute in <" + name + ">" + at(k);
      const char quote = xml[k];
      const size_t end = xml.find(quote, k + 1);
      if (end == std::string::npos) return "unclosed attribute value in <" + name + ">" + at(k);
      for (size_t c = k + 1; c < end; ++c) {
        if (xml[c] == '<') return "'<' inside an attribute value" + at(c);
        if (xml[c] == '&' && !entity_ok(c)) return "bad entity in an attribute value" + at(c);
      }
      k = end + 1;
    }
    if (open.empty() && roots++ > 0) return "a second root element <" + name + ">" + at(i);
    if (!self_closing) open.push_back(name);
    i = k + 1;
  }
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  if (roots == 0) return "no root element";
  return "";
}

inline std::string read_text_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

}  // namespace atn::testing_util
