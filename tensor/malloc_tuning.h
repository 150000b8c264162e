// Keeps memory that tensors free inside the process (glibc only; elsewhere a no-op).
//
// A training step allocates and frees tens of MB of tensors. By default glibc returns big blocks
// to the system (mmap above 128 KiB, trimming the heap top) and the next step faults them back in
// as fresh zeroed pages: bench_gpt measured that at several times the cost of the step's
// arithmetic, and a GAT trained inside the test binary spent 4.6 s of 17 s in the kernel. Programs
// that train (the atencion command, the lessons, the test runner) call this once at start.
#pragma once

namespace atn {

void keep_freed_memory_in_process();

}  // namespace atn
