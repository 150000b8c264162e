#include "tensor/json.h"

#include <cstdint>
#include <set>

#include "tensor/error.h"

namespace atn {

const Json* Json::find(std::string_view key) const {
  for (const JsonMember& m : members)
    if (m.key == key) return &m.value;
  return nullptr;
}

const char* kind_name(Json::Kind kind) {
  switch (kind) {
    case Json::Kind::Null: return "null";
    case Json::Kind::Bool: return "boolean";
    case Json::Kind::Number: return "number";
    case Json::Kind::String: return "string";
    case Json::Kind::Array: return "array";
    case Json::Kind::Object: return "object";
  }
  return "?";
}

size_t first_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    // The lead byte fixes the sequence length and the allowed range of the second byte; the
    // narrow ranges after E0, ED, F0 and F4 are what exclude overlong forms, UTF-16 surrogates
    // and code points past U+10FFFF (RFC 3629, table in section 4).
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b < 0x80) len = 1;
    else if (b >= 0xC2 && b <= 0xDF) len = 2;
    else if (b == 0xE0) len = 3, lo = 0xA0;
    else if (b >= 0xE1 && b <= 0xEC) len = 3;
    else if (b == 0xED) len = 3, hi = 0x9F;
    else if (b >= 0xEE && b <= 0xEF) len = 3;
    else if (b == 0xF0) len = 4, lo = 0x90;
    else if (b >= 0xF1 && b <= 0xF3) len = 4;
    else if (b == 0xF4) len = 4, hi = 0x8F;
    else return i;  // 80..C1 cannot start a sequence; F5..FF never appear
    if (len > s.size() - i) return i;
    for (size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

std::string json_quote(std::string_view s) {
  static const char* const hex = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += hex[(c >> 4) & 0xF];
          out += hex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Recursive descent: one method per rule of the JSON grammar. pos_ always points at the next
// unread byte, and every error reports it.
class Parser {
 public:
  Parser(std::string_view text, int max_depth) : text_(text), max_depth_(max_depth) {}

  Json parse_document() {
    if (size_t bad = first_invalid_utf8(text_); bad != std::string_view::npos) {
      pos_ = bad;
      error("invalid UTF-8");
    }
    skip_whitespace();
    Json value = parse_value(0);
    skip_whitespace();
    if (pos_ != text_.size()) error("unexpected " + describe(text_[pos_]) + " after the value");
    return value;
  }

 private:
  [[noreturn]] void error(const std::string& what) const { fail("json: ", what, " at byte ", pos_); }

  static std::string describe(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x21 && u < 0x7F) return std::string("character '") + c + "'";
    static const char* const hex = "0123456789ABCDEF";
    return std::string("byte 0x") + hex[u >> 4] + hex[u & 0xF];
  }

  bool at_end() const { return pos_ >= text_.size(); }

  char peek() const {
    if (at_end()) error("unexpected end of text");
    return text_[pos_];
  }

  void expect(char c) {
    if (peek() != c) error(std::string("expected '") + c + "', found " + describe(text_[pos_]));
    ++pos_;
  }

  void skip_whitespace() {
    while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  Json parse_value(int depth) {
    const char c = peek();
    if (c == '{' || c == '[') {
      if (depth >= max_depth_) error("nesting deeper than " + std::to_string(max_depth_) + " levels");
      return c == '{' ? parse_object(depth + 1) : parse_array(depth + 1);
    }
    Json v;
    if (c == '"') {
      v.kind = Json::Kind::String;
      v.text = parse_string();
    } else if (c == '-' || is_digit(c)) {
      v.kind = Json::Kind::Number;
      v.text = parse_number();
    } else if (c == 't' || c == 'f') {
      v.kind = Json::Kind::Bool;
      v.boolean = c == 't';
      parse_literal(v.boolean ? "true" : "false");
    } else if (c == 'n') {
      parse_literal("null");
    } else {
      error("unexpected " + describe(c));
    }
    return v;
  }

  void parse_literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) error("bad literal, expected " + std::string(word));
    pos_ += word.size();
  }

  Json parse_object(int depth) {
    Json v;
    v.kind = Json::Kind::Object;
    std::set<std::string> seen;  // keys so far: a set keeps the duplicate check fast for big headers
    expect('{');
    skip_whitespace();
    if (peek() == '}') {
      ++pos_;
      return v;
    }
    while (true) {
      skip_whitespace();
      const size_t key_at = pos_;
      if (peek() != '"') error("expected a string key, found " + describe(text_[pos_]));
      std::string key = parse_string();
      if (!seen.insert(key).second) {
        pos_ = key_at;
        error("duplicate key " + json_quote(key));
      }
      skip_whitespace();
      expect(':');
      skip_whitespace();
      Json value = parse_value(depth);
      v.members.push_back({std::move(key), std::move(value)});
      skip_whitespace();
      if (peek() == '}') break;
      expect(',');
    }
    ++pos_;
    return v;
  }

  Json parse_array(int depth) {
    Json v;
    v.kind = Json::Kind::Array;
    expect('[');
    skip_whitespace();
    if (peek() == ']') {
      ++pos_;
      return v;
    }
    while (true) {
      skip_whitespace();
      v.items.push_back(parse_value(depth));
      skip_whitespace();
      if (peek() == ']') break;
      expect(',');
    }
    ++pos_;
    return v;
  }

  // Grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?   ("01", "1.", ".5" are not JSON).
  std::string parse_number() {
    const size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (at_end() || !is_digit(text_[pos_])) error("expected a digit in a number");
    if (text_[pos_] == '0') {
      ++pos_;
    } else {
      while (!at_end() && is_digit(text_[pos_])) ++pos_;
    }
    auto digits = [&](const char* where) {
      if (at_end() || !is_digit(text_[pos_])) error(std::string("expected a digit ") + where);
      while (!at_end() && is_digit(text_[pos_])) ++pos_;
    };
    if (!at_end() && text_[pos_] == '.') {
      ++pos_;
      digits("after the decimal point");
    }
    if (!at_end() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (!at_end() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      digits("in the exponent");
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  uint32_t parse_hex4() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = peek();
      uint32_t d;
      if (is_digit(c)) d = uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f') d = uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') d = uint32_t(c - 'A' + 10);
      else error("expected 4 hex digits after \\u");
      v = v * 16 + d;
      ++pos_;
    }
    return v;
  }

  // The text is already known to be valid UTF-8, so multi-byte characters are copied as bytes.
  std::string parse_string() {
    expect('"');
    std::string out;
    while (true) {
      const char c = peek();
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) error("raw control " + describe(c) + " in a string (must be escaped)");
      ++pos_;
      if (c != '\\') {
        out += c;
        continue;
      }
      const char e = peek();
      ++pos_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          // Characters past U+FFFF are written as a UTF-16 surrogate pair: \uD83D\uDE00 is U+1F600.
          uint32_t cp = parse_hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) error("lone low surrogate in \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (text_.substr(pos_, 2) != "\\u") error("high surrogate not followed by a \\u low surrogate");
            pos_ += 2;
            const uint32_t low = parse_hex4();
            if (low < 0xDC00 || low > 0xDFFF) error("high surrogate not followed by a low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --pos_;
          error("bad escape: backslash followed by " + describe(e));
      }
    }
    ++pos_;
    return out;
  }

  std::string_view text_;
  int max_depth_;
  size_t pos_ = 0;
};

}  // namespace

Json parse_json(std::string_view text, int max_depth) { return Parser(text, max_depth).parse_document(); }

}  // namespace atn
