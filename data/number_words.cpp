#include "data/number_words.h"

#include <unordered_map>

#include "tensor/error.h"

namespace atn {
namespace {

const char* const kUnits[10] = {"cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"};
const char* const kTeens[10] = {"diez",      "once",       "doce",      "trece",     "catorce",
                                "quince",    "dieciséis",  "diecisiete", "dieciocho", "diecinueve"};
const char* const kTwenties[10] = {"veinte",       "veintiuno",   "veintidós", "veintitrés", "veinticuatro",
                                   "veinticinco",  "veintiséis",  "veintisiete", "veintiocho", "veintinueve"};
const char* const kTens[10] = {"", "", "", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa"};
const char* const kHundreds[10] = {"",           "ciento",     "doscientos", "trescientos", "cuatrocientos",
                                   "quinientos", "seiscientos", "setecientos", "ochocientos", "novecientos"};

// Appends the words of 1..999. `before_mil`: the group counts thousands, so a final 1 is the
// shortened "un" / "veintiún" ("treinta y un mil").
void append_group(int64_t n, bool before_mil, std::string& out) {
  auto add = [&out](std::string_view word) {
    if (!out.empty()) out += ' ';
    out += word;
  };
  const int64_t hundreds = n / 100, rest = n % 100;
  if (hundreds > 0) add(n == 100 ? "cien" : kHundreds[hundreds]);
  if (rest == 0) return;
  const char* one = before_mil ? "un" : "uno";
  if (rest < 10) {
    add(rest == 1 ? one : kUnits[rest]);
  } else if (rest < 20) {
    add(kTeens[rest - 10]);
  } else if (rest < 30) {
    add(rest == 21 && before_mil ? "veintiún" : kTwenties[rest - 20]);
  } else {
    add(kTens[rest / 10]);
    if (rest % 10 != 0) {
      add("y");
      add(rest % 10 == 1 ? one : kUnits[rest % 10]);
    }
  }
}

// What a word contributes when reading a number back.
enum class Kind { cero, unit, teen, twenty, ten, y, hundred, mil };
struct WordValue {
  Kind kind;
  int64_t value;
};

// Keys view the string literals above (static storage), so lookups need no allocation.
const std::unordered_map<std::string_view, WordValue>& word_values() {
  static const std::unordered_map<std::string_view, WordValue> table = [] {
    std::unordered_map<std::string_view, WordValue> t;
    t.emplace("cero", WordValue{Kind::cero, 0});
    t.emplace("un", WordValue{Kind::unit, 1});
    for (int64_t i = 1; i < 10; ++i) t.emplace(kUnits[i], WordValue{Kind::unit, i});
    for (int64_t i = 0; i < 10; ++i) t.emplace(kTeens[i], WordValue{Kind::teen, 10 + i});
    for (int64_t i = 0; i < 10; ++i) t.emplace(kTwenties[i], WordValue{Kind::twenty, 20 + i});
    t.emplace("veintiún", WordValue{Kind::twenty, 21});
    for (int64_t i = 3; i < 10; ++i) t.emplace(kTens[i], WordValue{Kind::ten, 10 * i});
    t.emplace("y", WordValue{Kind::y, 0});
    t.emplace("cien", WordValue{Kind::hundred, 100});
    for (int64_t i = 1; i < 10; ++i) t.emplace(kHundreds[i], WordValue{Kind::hundred, 100 * i});
    t.emplace("mil", WordValue{Kind::mil, 1000});
    return t;
  }();
  return table;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

// Reads one group of 1..999 ([hundreds] [tens [y unit] | twenty | teen | unit]) starting at
// words[i]; returns its value and advances i. A group of no words has value 0.
int64_t read_group(const std::vector<std::string_view>& words, const std::vector<WordValue>& values, size_t& i) {
  int64_t v = 0;
  if (i < words.size() && values[i].kind == Kind::hundred) v += values[i++].value;
  if (i >= words.size()) return v;
  const Kind k = values[i].kind;
  if (k == Kind::ten) {
    v += values[i++].value;
    if (i < words.size() && values[i].kind == Kind::y) {
      ++i;
      if (i >= words.size() || values[i].kind != Kind::unit)
        fail("spanish_to_number: 'y' must be followed by a unit (uno..nueve) in \"", words[i - 2], " y ...\"");
      v += values[i++].value;
    }
  } else if (k == Kind::unit || k == Kind::teen || k == Kind::twenty) {
    v += values[i++].value;
  }
  return v;
}

std::string join(const std::vector<std::string_view>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

}  // namespace

std::string number_to_spanish(int64_t n) {
  if (n < 0 || n > kMaxSpanishNumber) fail("number_to_spanish: ", n, " is outside 0..", kMaxSpanishNumber);
  if (n == 0) return "cero";
  std::string out;
  out.reserve(80);
  const int64_t thousands = n / 1000, rest = n % 1000;
  if (thousands > 1) append_group(thousands, /*before_mil=*/true, out);
  if (thousands > 0) out += out.empty() ? "mil" : " mil";
  if (rest > 0) append_group(rest, /*before_mil=*/false, out);
  return out;
}

int64_t spanish_to_number(std::string_view text) {
  const std::vector<std::string_view> words = split_words(text);
  if (words.empty()) fail("spanish_to_number: empty text is not a number");
  std::vector<WordValue> values;
  for (const auto& w : words) {
    auto it = word_values().find(w);
    if (it == word_values().end()) fail("spanish_to_number: \"", w, "\" is not a Spanish number word");
    values.push_back(it->second);
  }
  if (values[0].kind == Kind::cero) {
    if (words.size() != 1) fail("spanish_to_number: \"cero\" must stand alone");
    return 0;
  }
  size_t i = 0;
  const int64_t first = read_group(words, values, i);
  int64_t total = first;
  if (i < words.size() && values[i].kind == Kind::mil) {
    total = (i == 0 ? 1 : first) * 1000;
    ++i;
    total += read_group(words, values, i);
  } else if (i == 0) {
    fail("spanish_to_number: a number cannot start with \"", words[0], "\"");
  }
  if (i < words.size()) fail("spanish_to_number: unexpected \"", words[i], "\" (word ", i + 1, " of \"", join(words), "\")");
  // The grammar above accepts a few forms the standard spelling does not ("un mil", "ciento",
  // "uno mil", "veinte y dos" is already rejected): compare with how the number is written.
  const std::string standard = number_to_spanish(total);
  const std::string given = join(words);
  if (standard != given)
    fail("spanish_to_number: \"", given, "\" is not the standard spelling of ", total, " (\"", standard, "\")");
  return total;
}

const std::vector<std::string>& spanish_number_lexicon() {
  static const std::vector<std::string> lexicon = [] {
    std::vector<std::string> words = {"cero", "uno", "un"};
    for (int i = 2; i < 10; ++i) words.push_back(kUnits[i]);
    for (const char* w : kTeens) words.push_back(w);
    words.push_back(kTwenties[0]);
    words.push_back(kTwenties[1]);
    words.push_back("veintiún");
    for (int i = 2; i < 10; ++i) words.push_back(kTwenties[i]);
    for (int i = 3; i < 10; ++i) words.push_back(kTens[i]);
    words.push_back("y");
    words.push_back("cien");
    for (int i = 1; i < 10; ++i) words.push_back(kHundreds[i]);
    words.push_back("mil");
    return words;
  }();
  return lexicon;
}

}  // namespace atn
