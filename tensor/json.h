// A small, strict JSON reader (RFC 8259) and string quoting: just enough for safetensors headers.
//
// The reader builds a tree of Json values. It is strict on purpose: a file header that is not
// clean JSON is more likely damaged than creative, so we stop with a message naming the byte.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

struct JsonMember;

// One JSON value. Numbers keep the literal as written: safetensors offsets are exact 64-bit
// integers, which a double (JSON's usual number type) cannot always hold.
struct Json {
  enum class Kind { Null, Bool, Number, String, Array, Object };

  Kind kind = Kind::Null;
  bool boolean = false;             // Bool
  std::string text;                 // String: the unescaped UTF-8 text; Number: the literal, e.g. "-1.5e3"
  std::vector<Json> items;          // Array: the elements
  std::vector<JsonMember> members;  // Object: the members in file order (keys are unique)

  // The value of the member named `key`, or nullptr (objects only).
  const Json* find(std::string_view key) const;
};

struct JsonMember {
  std::string key;
  Json value;
};

// "object", "array", "string", ... for error messages.
const char* kind_name(Json::Kind kind);

// Parses exactly one JSON value with optional whitespace around it. Throws Error
// ("json: <what> at byte <n>") on bad tokens, truncated text, text after the value, invalid
// UTF-8, raw control characters or lone surrogates in strings, duplicate keys in an object
// (compared after unescaping) and nesting deeper than max_depth (so hostile input such as
// "[[[[..." cannot overflow the stack of this recursive reader).
Json parse_json(std::string_view text, int max_depth = 64);

// The string in double quotes with '"', '\' and control characters (< 0x20) escaped; all other
// bytes, including UTF-8 sequences, are copied unchanged, as JSON allows.
std::string json_quote(std::string_view s);

// The index of the first byte that breaks UTF-8 (RFC 3629: no overlong forms, no surrogates,
// nothing past U+10FFFF), or std::string_view::npos when the whole text is well formed.
size_t first_invalid_utf8(std::string_view s);

}  // namespace atn
