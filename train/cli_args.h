// Command-line flags for the `atencion` tool: `--name value` pairs and `--switch`es, checked
// against a list of specs, with `--help` text generated from the same list.
//
// Every problem (an unknown flag, a missing value, "abc" where a number goes) is a UsageError:
// one line naming the flag, which the tool prints before exiting with status 2.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tensor/error.h"

namespace atn {

struct UsageError : Error {
  using Error::Error;
};

struct FlagSpec {
  std::string name{};         // without the dashes: "d-model"
  std::string value_name{};   // "N", "FILE"; empty for a switch (a flag without a value)
  std::string help{};         // one line
  std::string default_text{}; // shown in --help; "" for none
};

class Flags {
 public:
  // Parses args (argv after the subcommand). `command` names the messages ("atencion train").
  // --help anywhere sets help() and stops checking.
  Flags(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs, std::string command);

  bool help() const { return help_; }
  bool has(const std::string& name) const;  // given on the command line
  std::string text(const std::string& name, const std::string& fallback) const;
  int64_t integer(const std::string& name, int64_t fallback, int64_t min, int64_t max) const;
  double number(const std::string& name, double fallback, double min, double max) const;
  // The value must be one of `choices`.
  std::string choice(const std::string& name, const std::string& fallback, const std::vector<std::string>& choices) const;
  // A required value: UsageError when absent.
  std::string required(const std::string& name) const;

 private:
  const FlagSpec& spec(const std::string& name) const;
  std::string command_;
  std::vector<FlagSpec> specs_;
  std::map<std::string, std::string> values_;
  bool help_ = false;
};

// "usage: atencion train [flags]\n  <summary>\n\n  --layers N   transformer blocks (default 4)\n..."
std::string usage_text(const std::string& command, const std::string& summary, const std::vector<FlagSpec>& specs);

}  // namespace atn
