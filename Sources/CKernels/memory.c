#include "imaging_kernels.h"
#include <malloc.h>

void steato_reuse_large_buffers(void) {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
}
