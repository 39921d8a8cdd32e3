#include "files.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int steato_write_file_atomically(const char *path, const void *bytes, size_t count, mode_t mode) {
    size_t length = strlen(path);
    char *temporary = malloc(length + 48);
    if (!temporary) return ENOMEM;
    // Beside the target (same file system, so rename is atomic), hidden, unique per process and call.
    const char *slash = strrchr(path, '/');
    size_t folder = slash ? (size_t)(slash - path) + 1 : 0;
    static unsigned counter;
    snprintf(temporary, length + 48, "%.*s.%s.tmp-%d-%u", (int)folder, path, path + folder, (int)getpid(),
             __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
    int fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) { int e = errno; free(temporary); return e; }
    const unsigned char *p = bytes;
    size_t done = 0;
    int failure = 0;
    while (done < count) {
        ssize_t n = write(fd, p + done, count - done);
        if (n < 0) { if (errno == EINTR) continue; failure = errno; break; }
        done += (size_t)n;
    }
    if (!failure && fsync(fd) != 0) failure = errno;
    if (close(fd) != 0 && !failure) failure = errno;
    if (!failure && rename(temporary, path) != 0) failure = errno;
    if (failure) unlink(temporary);
    free(temporary);
    return failure;
}
