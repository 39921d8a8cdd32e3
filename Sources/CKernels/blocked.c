#include "blocked_kernels.h"
#include "fast_exp.h"
#include <stdint.h>
#include <string.h>

// One build for CPUs with AVX2 and FMA (x86-64-v3), one for the rest; the loader picks (ifunc).
#if defined(__x86_64__) && defined(__clang__)
#include "multiversion.h"
#define MULTIVERSION MULTIVERSION_V3
#else
#define MULTIVERSION
#endif

#define LANES 8

static inline __attribute__((always_inline)) float blocked_silu(float v) { return v / (1.0f + fast_exp(-v)); }

// One output pixel of the stem (the eight outputs of one block), its taps checked against the image's
// edge where they may cross it.
static inline __attribute__((always_inline)) void stem_pixel(const float *in, long cin, long h, long w, const float *wb,
                                                            const float *b, float *o, long oy, long ox) {
    float acc[LANES];
    for (int l = 0; l < LANES; l++) acc[l] = b[l];
    if (oy * 2 - 1 >= 0 && oy * 2 + 1 < h && ox * 2 - 1 >= 0 && ox * 2 + 1 < w) {
        for (long c = 0; c < cin; c++) {
            const float *src = in + (c * h + oy * 2 - 1) * w + ox * 2 - 1;
            const float *wc = wb + c * 9 * LANES;
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++) {
                    const float v = src[ky * w + kx];
                    for (int l = 0; l < LANES; l++) acc[l] += v * wc[(ky * 3 + kx) * LANES + l];
                }
        }
    } else {
        for (long c = 0; c < cin; c++) {
            const float *plane = in + c * h * w;
            for (int ky = 0; ky < 3; ky++) {
                long iy = oy * 2 - 1 + ky;
                if (iy < 0 || iy >= h) continue;
                for (int kx = 0; kx < 3; kx++) {
                    long ix = ox * 2 - 1 + kx;
                    if (ix < 0 || ix >= w) continue;
                    const float v = plane[iy * w + ix];
                    const float *wv = wb + ((c * 3 + ky) * 3 + kx) * LANES;
                    for (int l = 0; l < LANES; l++) acc[l] += v * wv[l];
                }
            }
        }
    }
    for (int l = 0; l < LANES; l++) o[l] = blocked_silu(acc[l]);
}

// Stem pixels computed side by side: one pixel's taps form a chain of dependent multiply-adds that
// leaves the FMA units waiting on their latency; this many independent chains keep them busy.
#define STEM_PIXELS 8

MULTIVERSION
void steato_nchwc_stem(const float *in, long cin, long h, long w, const float *weight, const float *bias, long cout,
                       float *out, long ho, long wo) {
    for (long ob = 0; ob < cout / LANES; ob++) {
        const float *wb = weight + ob * cin * 9 * LANES;
        const float *b = bias + ob * LANES;
        float *dst = out + ob * ho * wo * LANES;
        for (long oy = 0; oy < ho; oy++) {
            long ox = 0;
            if (oy * 2 - 1 >= 0 && oy * 2 + 1 < h) {
                // Column 0 reads column -1 of the image; from column 1 on, runs of pixels whose taps
                // are all inside. Each pixel adds its taps in stem_pixel's order: the same results.
                stem_pixel(in, cin, h, w, wb, b, dst + (oy * wo) * LANES, oy, 0);
                for (ox = 1; ox + STEM_PIXELS <= wo && (ox + STEM_PIXELS - 1) * 2 + 1 < w; ox += STEM_PIXELS) {
                    float acc[STEM_PIXELS][LANES];
                    for (int p = 0; p < STEM_PIXELS; p++)
                        for (int l = 0; l < LANES; l++) acc[p][l] = b[l];
                    for (long c = 0; c < cin; c++) {
                        const float *src = in + (c * h + oy * 2 - 1) * w + ox * 2 - 1;
                        const float *wc = wb + c * 9 * LANES;
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                const float *tap = wc + (ky * 3 + kx) * LANES;
                                for (int p = 0; p < STEM_PIXELS; p++) {
                                    const float v = src[ky * w + kx + 2 * p];
                                    for (int l = 0; l < LANES; l++) acc[p][l] += v * tap[l];
                                }
                            }
                    }
                    for (int p = 0; p < STEM_PIXELS; p++) {
                        float *o = dst + (oy * wo + ox + p) * LANES;
                        for (int l = 0; l < LANES; l++) o[l] = blocked_silu(acc[p][l]);
                    }
                }
            }
            for (; ox < wo; ox++) stem_pixel(in, cin, h, w, wb, b, dst + (oy * wo + ox) * LANES, oy, ox);
        }
    }
}

// One output pixel of a depthwise 3×3 with every tap inside the image.
static inline __attribute__((always_inline)) void depthwise_inside(const float *src, long w, const float taps[9][LANES],
                                                                  const float *b, float *o) {
    float acc[LANES];
    for (int l = 0; l < LANES; l++) acc[l] = b[l];
    for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++) {
            const float *x = src + (ky * w + kx) * LANES;
            for (int l = 0; l < LANES; l++) acc[l] += x[l] * taps[ky * 3 + kx][l];
        }
    for (int l = 0; l < LANES; l++) o[l] = blocked_silu(acc[l]);
}

MULTIVERSION
void steato_nchwc_depthwise(const float *in, long channels, long h, long w, const float *weight, const float *bias,
                            long stride, float *out, long ho, long wo) {
    for (long cb = 0; cb < channels / LANES; cb++) {
        const float *src = in + cb * h * w * LANES;
        float *dst = out + cb * ho * wo * LANES;
        float taps[9][LANES];
        memcpy(taps, weight + cb * 9 * LANES, sizeof taps);
        const float *b = bias + cb * LANES;
        for (long oy = 0; oy < ho; oy++) {
            const long iy0 = oy * stride - 1;
            for (long ox = 0; ox < wo; ox++) {
                const long ix0 = ox * stride - 1;
                float *o = dst + (oy * wo + ox) * LANES;
                if (iy0 >= 0 && iy0 + 2 < h && ix0 >= 0 && ix0 + 2 < w) {
                    depthwise_inside(src + (iy0 * w + ix0) * LANES, w, taps, b, o);
                    continue;
                }
                float acc[LANES];
                for (int l = 0; l < LANES; l++) acc[l] = b[l];
                for (int ky = 0; ky < 3; ky++) {
                    long iy = iy0 + ky;
                    if (iy < 0 || iy >= h) continue;
                    for (int kx = 0; kx < 3; kx++) {
                        long ix = ix0 + kx;
                        if (ix < 0 || ix >= w) continue;
                        const float *x = src + (iy * w + ix) * LANES;
                        for (int l = 0; l < LANES; l++) acc[l] += x[l] * taps[ky * 3 + kx][l];
                    }
                }
                for (int l = 0; l < LANES; l++) o[l] = blocked_silu(acc[l]);
            }
        }
    }
}

// y = acc·a + c (bias and FiLM folded into one affine per channel), + residual, SiLU: one pixel's block.
static inline __attribute__((always_inline)) void pointwise_epilogue(const float acc[LANES], const float a[LANES],
                                                                    const float c[LANES], const float *residual, int silu,
                                                                    float *o) {
    float y[LANES];
    for (int l = 0; l < LANES; l++) y[l] = acc[l] * a[l] + c[l];
    if (residual)
        for (int l = 0; l < LANES; l++) y[l] += residual[l];
    if (silu)
        for (int l = 0; l < LANES; l++) y[l] = blocked_silu(y[l]);
    for (int l = 0; l < LANES; l++) o[l] = y[l];
}

// TILE pixels × BLOCKS output blocks of 8 channels, accumulated in registers over every input channel.
#define POINTWISE_TILE(TILE, BLOCKS)                                                                        \
    do {                                                                                                    \
        float acc[BLOCKS][TILE][LANES];                                                                     \
        memset(acc, 0, sizeof acc);                                                                         \
        for (long cb = 0; cb < cin / LANES; cb++) {                                                         \
            const float *x = in + (cb * plane + p) * LANES;                                                 \
            const float *wc = weight + cb * LANES * LANES;                                                  \
            for (int k = 0; k < LANES; k++) {                                                               \
                /* one broadcast per pixel feeds every block: TILE·BLOCKS accumulators + BLOCKS weight    \
                   vectors + 1 broadcast stay within the 16 vector registers */                             \
                for (int t = 0; t < TILE; t++) {                                                            \
                    const float v = x[t * LANES + k];                                                       \
                    for (int bk = 0; bk < BLOCKS; bk++) {                                                   \
                        const float *wv = wc + (ob + bk) * cin * LANES + k * LANES;                         \
                        for (int l = 0; l < LANES; l++) acc[bk][t][l] += v * wv[l];                         \
                    }                                                                                       \
                }                                                                                           \
            }                                                                                               \
        }                                                                                                   \
        for (int bk = 0; bk < BLOCKS; bk++)                                                                 \
            for (int t = 0; t < TILE; t++) {                                                                \
                const long at = ((ob + bk) * plane + p + t) * LANES;                                        \
                pointwise_epilogue(acc[bk][t], a + (ob + bk) * LANES, c + (ob + bk) * LANES,                \
                                   residual ? residual + at : 0, silu, out + at);                           \
            }                                                                                               \
    } while (0)

// Every output block pair of a group for one tile of pixels before the next tile: the tile's inputs
// (all input channels) stay in L1 while the group's weights stay in L2. Without groups a wide layer
// (384 × 384 weights, 590 KB) streamed all its weights from memory once per 6-pixel tile.
#define POINTWISE_ROW(TILE)                                                                                 \
    do {                                                                                                    \
        long ob = first_block;                                                                              \
        for (; ob + 2 <= end_block; ob += 2) POINTWISE_TILE(TILE, 2);                                       \
        if (ob < end_block) POINTWISE_TILE(TILE, 1);                                                        \
    } while (0)

MULTIVERSION
void steato_nchwc_pointwise(const float *in, long cin, long plane, const float *weight, const float *bias, long cout,
                            const float *film_scale, const float *film_shift, const float *residual, int silu, float *out) {
    const long blocks = cout / LANES;
    // The affine epilogue per channel: (W·x + bias)·(1 + s) + t = W·x·a + c.
    float a[cout], c[cout];
    for (long ch = 0; ch < cout; ch++) {
        const float s = film_scale ? 1.0f + film_scale[ch] : 1.0f;
        a[ch] = s;
        c[ch] = bias[ch] * s + (film_shift ? film_shift[ch] : 0.0f);
    }
    // Output blocks per group: an even number whose weights fit in about 128 KB of L2.
    long group = (128 * 1024) / (cin * LANES * (long)sizeof(float));
    group = group < 2 ? 2 : group & ~1L;
    for (long first_block = 0; first_block < blocks; first_block += group) {
        const long end_block = first_block + group < blocks ? first_block + group : blocks;
        long p = 0;
        for (; p + 6 <= plane; p += 6) POINTWISE_ROW(6);
        for (; p < plane; p++) POINTWISE_ROW(1);
    }
}

void steato_nchwc_subsample(const float *in, long channels, long h, long w, long stride, float *out, long ho, long wo) {
    for (long cb = 0; cb < channels / LANES; cb++)
        for (long oy = 0; oy < ho; oy++)
            for (long ox = 0; ox < wo; ox++)
                memcpy(out + ((cb * ho + oy) * wo + ox) * LANES, in + ((cb * h + oy * stride) * w + ox * stride) * LANES,
                       LANES * sizeof(float));
}

void steato_nchwc_average(const float *in, long channels, long plane, float *out) {
    for (long cb = 0; cb < channels / LANES; cb++) {
        double sum[LANES] = {0};
        const float *src = in + cb * plane * LANES;
        for (long i = 0; i < plane; i++)
            for (int l = 0; l < LANES; l++) sum[l] += src[i * LANES + l];
        for (int l = 0; l < LANES; l++) out[cb * LANES + l] = (float)(sum[l] / (double)plane);
    }
}
