#include "data/utf8.h"

#include <cstdio>

#include "tensor/error.h"
#include "tensor/json.h"

namespace atn {

namespace {

[[noreturn]] void fail_invalid(std::string_view text, size_t at, std::string_view who) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(text[at])));
  fail(who, ": invalid UTF-8 at byte ", at, " (", hex, ")");
}

// The length of the sequence that starts with lead byte b (text already validated).
size_t sequence_length(unsigned char b) {
  if (b < 0x80) return 1;
  if (b < 0xE0) return 2;
  if (b < 0xF0) return 3;
  return 4;
}

}  // namespace

void check_utf8(std::string_view text, std::string_view who) {
  const size_t bad = first_invalid_utf8(text);
  if (bad != std::string_view::npos) fail_invalid(text, bad, who);
}

std::vector<CodePoint> utf8_decode(std::string_view text, std::string_view who) {
  check_utf8(text, who);
  std::vector<CodePoint> out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    const size_t len = sequence_length(b);
    // The lead byte keeps 7, 5, 4 or 3 payload bits; each continuation byte adds 6.
    char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    out.push_back({cp, i});
    i += len;
  }
  return out;
}

void utf8_append(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    fail("utf8_append: U+", std::hex, static_cast<uint32_t>(cp), " is not a Unicode scalar value");
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string utf8_encode(char32_t cp) {
  std::string s;
  utf8_append(s, cp);
  return s;
}

int64_t utf8_length(std::string_view text) {
  int64_t n = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

std::string describe_code_point(char32_t cp) {
  char code[16];
  std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
  const bool invisible = cp <= 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0xA0);
  if (invisible || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return code;
  return "'" + utf8_encode(cp) + "' (" + code + ")";
}

std::string utf8_lower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const CodePoint& c : utf8_decode(text, "utf8_lower")) {
    char32_t cp = c.value;
    // Latin-1: C0..DE are the capitals of E0..FE, except D7 (the multiplication sign).
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)) cp += 0x20;
    utf8_append(out, cp);
  }
  return out;
}

}  // namespace atn
