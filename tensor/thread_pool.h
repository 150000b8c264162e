// A small pool of std::threads for the heavy kernels (matmul first of all).
//
// One process-wide pool. Its size is read from the environment variable ATN_THREADS on first
// use (default: every core, std::thread::hardware_concurrency()) and can be changed with
// set_num_threads(). The thread that calls parallel_for works too, so the pool owns
// num_threads() - 1 extra threads; with one thread everything runs on the caller. An idle worker
// keeps checking for the next job for 200 µs (yielding its core meanwhile) before it sleeps, so
// back-to-back calls do not each pay a wake-up.
//
// Results must not depend on the thread count. parallel_for helps with that: it cuts the index
// range into chunks whose boundaries depend only on n_tasks and grain, never on how many threads
// there are; which thread runs which chunk varies from run to run. A kernel whose chunks write
// disjoint outputs, each computed in a fixed order, therefore gives bit-identical results with
// 1 thread or 16.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace atn {

// Threads used by parallel_for, counting the caller: ATN_THREADS, or all cores, or the last
// set_num_threads(). Throws Error if ATN_THREADS is set but is not a whole number from 1 to 4096.
int num_threads();

// The rule for ATN_THREADS: decimal digits only (no sign, no spaces), a value from 1 to 4096;
// anything else throws Error quoting the text.
int parse_thread_count(const std::string& text);

// Changes the thread count (n ≥ 1, else Error). Waits for a running parallel_for to finish.
// Calling it from inside a parallel_for task throws Error (it would wait for itself).
void set_num_threads(int n);

// Calls fn(begin, end) on the chunks [0, g), [g, 2g), ... of [0, n_tasks) (g = grain, the last
// chunk may be shorter), each chunk exactly once, spread over the pool; returns when all are
// done. Runs every chunk inline on the caller, with no thread handoff, when there is only one
// chunk, when num_threads() == 1, when called from inside another parallel_for task (nested
// calls never deadlock), or when another thread is using the pool at that moment.
// If a task throws, the remaining chunks are skipped and the first exception is rethrown here.
// n_tasks ≤ 0 does nothing; grain < 1 throws Error.
void parallel_for(int64_t n_tasks, const std::function<void(int64_t begin, int64_t end)>& fn, int64_t grain = 1);

// True while this thread runs a parallel_for task (a pool worker, or a caller running chunks of its
// own call): a parallel_for started now runs inline, so a kernel cutting its work for
// num_threads() threads would cut it for nothing.
bool inside_parallel_task();

}  // namespace atn
