// Ctrl-C during training: save, then exit cleanly.
//
// A signal handler may do almost nothing safely (no I/O, no allocation), so the handler only
// sets a flag; the training loop checks it between steps, writes its checkpoint and returns.
// The handler also puts back the default action, so a second Ctrl-C stops the program at once.
#pragma once

namespace atn {

// Installs the SIGINT handler (idempotent).
void install_stop_handler();
// True once SIGINT arrived (or request_stop() was called) and until clear_stop().
bool stop_requested();
// What the handler does; tests call it to simulate Ctrl-C.
void request_stop();
void clear_stop();

}  // namespace atn
