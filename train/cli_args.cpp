#include "train/cli_args.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace atn {

Flags::Flags(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs, std::string command)
    : command_(std::move(command)), specs_(specs) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      help_ = true;
      return;
    }
    if (a.size() < 3 || a.compare(0, 2, "--") != 0)
      throw UsageError(command_ + ": unexpected argument '" + a + "' (flags look like --name value; see --help)");
    std::string name = a.substr(2), value;
    const size_t eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto it = std::find_if(specs_.begin(), specs_.end(), [&](const FlagSpec& s) { return s.name == name; });
    if (it == specs_.end()) throw UsageError(command_ + ": unknown flag --" + name + " (see " + command_ + " --help)");
    if (values_.count(name)) throw UsageError(command_ + ": --" + name + " given twice");
    if (it->value_name.empty()) {
      if (inline_value) throw UsageError(command_ + ": --" + name + " takes no value");
      value = "1";
    } else if (!inline_value) {
      if (i + 1 >= args.size()) throw UsageError(command_ + ": --" + name + " needs a value (" + it->value_name + ")");
      value = args[++i];
    }
    values_[name] = value;
  }
}

const FlagSpec& Flags::spec(const std::string& name) const {
  for (const FlagSpec& s : specs_)
    if (s.name == name) return s;
  throw Error(command_ + ": internal: no flag --" + name);  // a bug in the tool, not the user's
}

bool Flags::has(const std::string& name) const {
  spec(name);
  return values_.count(name) > 0;
}

std::string Flags::text(const std::string& name, const std::string& fallback) const {
  return has(name) ? values_.at(name) : fallback;
}

std::string Flags::required(const std::string& name) const {
  if (!has(name)) throw UsageError(command_ + ": --" + name + " is required (see " + command_ + " --help)");
  return values_.at(name);
}

int64_t Flags::integer(const std::string& name, int64_t fallback, int64_t min, int64_t max) const {
  if (!has(name)) return fallback;
  const std::string& v = values_.at(name);
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno == ERANGE)
    throw UsageError(command_ + ": --" + name + " expects a whole number, got '" + v + "'");
  if (n < min || n > max)
    throw UsageError(command_ + ": --" + name + " must be between " + std::to_string(min) + " and " +
                     std::to_string(max) + ", got " + v);
  return n;
}

double Flags::number(const std::string& name, double fallback, double min, double max) const {
  if (!has(name)) return fallback;
  const std::string& v = values_.at(name);
  char* end = nullptr;
  errno = 0;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(x))
    throw UsageError(command_ + ": --" + name + " expects a number, got '" + v + "'");
  if (x < min || x > max) {
    std::string range = "must be >= " + std::to_string(min);
    if (max < 1e300) range += " and <= " + std::to_string(max);
    throw UsageError(command_ + ": --" + name + " " + range + ", got " + v);
  }
  return x;
}

std::string Flags::choice(const std::string& name, const std::string& fallback,
                          const std::vector<std::string>& choices) const {
  const std::string v = text(name, fallback);
  if (std::find(choices.begin(), choices.end(), v) != choices.end()) return v;
  std::string all;
  for (const auto& c : choices) all += (all.empty() ? "" : "|") + c;
  throw UsageError(command_ + ": --" + name + " must be " + all + ", got '" + v + "'");
}

std::string usage_text(const std::string& command, const std::string& summary, const std::vector<FlagSpec>& specs) {
  std::string out = "usage: " + command + " [flags]\n  " + summary + "\n\nflags:\n";
  size_t width = 0;
  for (const FlagSpec& s : specs) width = std::max(width, s.name.size() + (s.value_name.empty() ? 0 : s.value_name.size() + 1));
  for (const FlagSpec& s : specs) {
    std::string left = "--" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
    out += "  " + left + std::string(width + 4 - left.size() + 2, ' ') + s.help;
    if (!s.default_text.empty()) out += " (default " + s.default_text + ")";
    out += "\n";
  }
  out += "  --help" + std::string(width, ' ') + "this text\n";
  return out;
}

}  // namespace atn
