// atn::Error: the one exception type the library throws for bad input.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace atn {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// fail("matmul: inner dimensions differ: ", a, " x ", b) builds the message with operator<<.
template <class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  throw Error(os.str());
}

}  // namespace atn
