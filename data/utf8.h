// UTF-8: code points in and out of byte strings, with errors that name the byte offset.
//
// A code point is a char32_t in [0, 0x10FFFF] that is not a UTF-16 surrogate (D800..DFFF).
// The checks follow RFC 3629 (no overlong forms, no surrogates), as tensor/json.h does.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

// One decoded character and the byte offset where it starts in the text.
struct CodePoint {
  char32_t value = 0;
  size_t offset = 0;
};

// The code points of `text`. Throws Error "<who>: invalid UTF-8 at byte <n> (0x..)" naming
// the first byte that breaks the encoding.
std::vector<CodePoint> utf8_decode(std::string_view text, std::string_view who);

// Throws the same error as utf8_decode when `text` is not valid UTF-8.
void check_utf8(std::string_view text, std::string_view who);

// Appends the 1 to 4 bytes of `cp` (Error when cp is a surrogate or past U+10FFFF).
void utf8_append(std::string& out, char32_t cp);
std::string utf8_encode(char32_t cp);

// The number of code points in valid UTF-8 text (counts the bytes that do not continue one).
int64_t utf8_length(std::string_view text);

// "'ñ' (U+00F1)"; control characters and spaces as "U+000A" alone, so messages stay readable.
std::string describe_code_point(char32_t cp);

// Lowercase for ASCII and the Latin-1 letters (Á→á, Ñ→ñ, Ü→ü, ...), which covers Spanish;
// every other character is copied unchanged. `text` must be valid UTF-8.
std::string utf8_lower(std::string_view text);

}  // namespace atn
