#include "train/stop_signal.h"

#include <csignal>

namespace atn {

namespace {
// sig_atomic_t is the one type the C++ standard lets a handler write.
volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_sigint(int) {
  g_stop = 1;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the program the usual way
}
}  // namespace

void install_stop_handler() { std::signal(SIGINT, on_sigint); }
bool stop_requested() { return g_stop != 0; }
void request_stop() { g_stop = 1; }
void clear_stop() { g_stop = 0; }

}  // namespace atn
