#ifndef STEATO_SHA256_H
#define STEATO_SHA256_H
#include <stddef.h>
#include <stdint.h>

/// SHA-256's compression function (FIPS 180-4) over `blocks` whole 64-byte blocks: `state` is the eight
/// working words, updated in place. Uses the CPU's SHA extensions where it has them (checked once at
/// run time), else portable C; both give the same words.
void steato_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

/// The portable path alone, for tests to hold the two against each other.
void steato_sha256_blocks_portable(uint32_t state[8], const uint8_t *data, size_t blocks);

/// Whether `steato_sha256_blocks` uses the CPU's SHA extensions here.
int steato_sha256_uses_cpu_extensions(void);

#endif
