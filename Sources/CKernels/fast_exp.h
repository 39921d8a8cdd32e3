#ifndef STEATO_FAST_EXP_H
#define STEATO_FAST_EXP_H
// Shared by the kernel files: static inline, so each target_clones build of a kernel inlines it.
#include <stdint.h>
#include <string.h>

// e^x = 2^n · e^r, n = round(x·log2 e), r = x − n·ln 2 (Cody–Waite), e^r by its degree-7 Taylor
// polynomial; relative error about 2e-7 on [−87, 88]. Branch-free so loops over it vectorise.
static inline __attribute__((always_inline)) float fast_exp(float x) {
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    float shifted = x * 1.442695041f + 12582912.0f;
    float n = shifted - 12582912.0f;
    float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
    float p = 1.0f / 5040;
    p = p * r + 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits;
    memcpy(&bits, &shifted, 4);
    bits = (bits - 0x4B400000 + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return p * scale;
}

#endif
