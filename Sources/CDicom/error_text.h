// Copies a reason into a caller's C buffer (truncated, NUL-terminated): the one way the DICOM shims'
// C++ files (this target's and CDicomNet's) report failures through their C interfaces.
#ifndef STEATO_ERROR_TEXT_H
#define STEATO_ERROR_TEXT_H
#include <algorithm>
#include <cstring>
#include <string>

static inline void setError(char *error, size_t size, const std::string &message) {
    if (error == nullptr || size == 0) return;
    size_t n = std::min(size - 1, message.size());
    memcpy(error, message.data(), n);
    error[n] = 0;
}
#endif
