#ifndef STEATO_FILES_H
#define STEATO_FILES_H
#include <stddef.h>
#include <sys/types.h>

/// Writes `count` bytes to `path` whole or not at all: into a temporary file beside it (mode `mode`),
/// flushed to disk, then renamed over `path`. On failure nothing is left behind (not the temporary, and
/// `path` unchanged) and the errno is returned (ENOSPC for a full disk); 0 on success.
int steato_write_file_atomically(const char *path, const void *bytes, size_t count, mode_t mode);

#endif
