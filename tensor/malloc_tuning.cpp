#include "tensor/malloc_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace atn {

void keep_freed_memory_in_process() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 << 20);  // blocks below 256 MB come from the heap, not mmap
  mallopt(M_TRIM_THRESHOLD, 1 << 30);    // and the heap is not trimmed below 1 GB of free top
#endif
}

}  // namespace atn
