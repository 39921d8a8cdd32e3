#include "kernels.h"
#include "fast_exp.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include "multiversion.h"
#define MULTIVERSION MULTIVERSION_AVX2
#else
#define MULTIVERSION
#endif

static inline float silu1(float v) { return v / (1.0f + fast_exp(-v)); }

MULTIVERSION
void steato_silu(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = silu1(x[i]);
}

MULTIVERSION
void steato_film_add_silu(const float *h, const float *shortcut, const float *scale, const float *shift,
                          long channels, long plane, float *out) {
    for (long c = 0; c < channels; c++) {
        const float a = 1.0f + scale[c], b = shift[c];
        const float *hc = h + c * plane, *sc = shortcut + c * plane;
        float *oc = out + c * plane;
        for (long i = 0; i < plane; i++) oc[i] = silu1(hc[i] * a + b + sc[i]);
    }
}

MULTIVERSION
void steato_bias_silu(float *x, const float *bias, long channels, long plane, int silu) {
    for (long c = 0; c < channels; c++) {
        float *xc = x + c * plane;
        const float b = bias ? bias[c] : 0.0f;
        if (silu)
            for (long i = 0; i < plane; i++) xc[i] = silu1(xc[i] + b);
        else
            for (long i = 0; i < plane; i++) xc[i] += b;
    }
}

MULTIVERSION
void steato_depthwise_plane(const float *in, long h, long w, const float *weight, long kernel, long stride,
                            long padding, long dilation, float bias, float *out, long ho, long wo, int accumulate,
                            int silu) {
    for (long oy = 0; oy < ho; oy++) {
        float *row = out + oy * wo;
        if (!accumulate)
            for (long ox = 0; ox < wo; ox++) row[ox] = bias;
        for (long ky = 0; ky < kernel; ky++) {
            long iy = oy * stride - padding + ky * dilation;
            if (iy < 0 || iy >= h) continue;
            const float *src = in + iy * w;
            for (long kx = 0; kx < kernel; kx++) {
                const float wv = weight[ky * kernel + kx];
                long offset = kx * dilation - padding;
                // output columns whose input column lies inside the row
                long first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
                long last = (w - 1 - offset) / stride;
                if (last > wo - 1) last = wo - 1;
                if (stride == 1) {
                    const float *s = src + offset;
                    for (long ox = first; ox <= last; ox++) row[ox] += wv * s[ox];
                } else if (stride == 2) {
                    const float *s = src + offset;
                    for (long ox = first; ox <= last; ox++) row[ox] += wv * s[2 * ox];
                } else {
                    for (long ox = first; ox <= last; ox++) row[ox] += wv * src[ox * stride + offset];
                }
            }
        }
        if (silu)
            for (long ox = 0; ox < wo; ox++) row[ox] = silu1(row[ox]);
    }
}

long steato_conv3x3_scratch(long channels, long h, long w) {
    return channels * (h + 2) * (w + 2 + 2);
}

// Zero-padded copies of every input row of [cin, h, w] in `scratch`; for stride 2 each laid out as
// [even columns | odd columns] so every tap of a stride-2 row reads contiguously. Gives the row length.
static long pad_rows(const float *in, long cin, long h, long w, long stride, float *scratch) {
    const long pw = w + 2, rows = h + 2;
    const long half = (pw + 1) / 2;            // length of the even (and, padded, odd) column arrays
    const long rowLength = stride == 2 ? 2 * half : pw;
    for (long c = 0; c < cin; c++) {
        for (long r = 0; r < rows; r++) {
            float *dst = scratch + (c * rows + r) * rowLength;
            for (long i = 0; i < rowLength; i++) dst[i] = 0.0f;
            if (r == 0 || r == rows - 1) continue;
            const float *src = in + (c * h + (r - 1)) * w;
            if (stride == 2) {
                for (long x = 0; x < w; x++) {
                    long px = x + 1;
                    dst[(px & 1) * half + (px >> 1)] = src[x];
                }
            } else {
                for (long x = 0; x < w; x++) dst[x + 1] = src[x];
            }
        }
    }
    return rowLength;
}

MULTIVERSION
void steato_conv3x3_weight_gradient(const float *in, long cin, long h, long w, const float *dy, long cout, long stride,
                                    long ho, long wo, float *dweight, float *scratch) {
    const long rows = h + 2, half = (w + 2 + 1) / 2;
    const long rowLength = pad_rows(in, cin, h, w, stride, scratch);
    for (long o = 0; o < cout; o++) {
        for (long c = 0; c < cin; c++) {
            float *dw = dweight + (o * cin + c) * 9;
            for (long ky = 0; ky < 3; ky++) {
                // Eight partial sums per tap, so the loops vectorise without reassociating.
                float a0[8] = {0}, a1[8] = {0}, a2[8] = {0};
                for (long oy = 0; oy < ho; oy++) {
                    const float *g = dy + (o * ho + oy) * wo;
                    const float *pr = scratch + (c * rows + oy * stride + ky) * rowLength;
                    const float *t0 = pr, *t1 = stride == 2 ? pr + half : pr + 1,
                                *t2 = stride == 2 ? pr + 1 : pr + 2;
                    long ox = 0;
                    for (; ox + 8 <= wo; ox += 8)
                        for (int l = 0; l < 8; l++) {
                            a0[l] += g[ox + l] * t0[ox + l]; a1[l] += g[ox + l] * t1[ox + l]; a2[l] += g[ox + l] * t2[ox + l];
                        }
                    for (; ox < wo; ox++) { a0[0] += g[ox] * t0[ox]; a1[0] += g[ox] * t1[ox]; a2[0] += g[ox] * t2[ox]; }
                }
                for (int l = 0; l < 8; l++) { dw[ky * 3] += a0[l]; dw[ky * 3 + 1] += a1[l]; dw[ky * 3 + 2] += a2[l]; }
            }
        }
    }
}

MULTIVERSION
void steato_conv3x3_direct(const float *in, long cin, long h, long w, const float *weight, const float *bias,
                           long cout, long stride, float *out, long ho, long wo, int silu, float *scratch) {
    const long rows = h + 2, half = (w + 2 + 1) / 2;
    const long rowLength = pad_rows(in, cin, h, w, stride, scratch);
    for (long o = 0; o < cout; o++) {
        const float b = bias ? bias[o] : 0.0f;
        for (long oy = 0; oy < ho; oy++) {
            float *row = out + (o * ho + oy) * wo;
            for (long ox = 0; ox < wo; ox++) row[ox] = b;
            for (long c = 0; c < cin; c++) {
                const float *wk = weight + (o * cin + c) * 9;
                for (long ky = 0; ky < 3; ky++) {
                    const float *pr = scratch + (c * rows + oy * stride + ky) * rowLength;
                    const float w0 = wk[ky * 3], w1 = wk[ky * 3 + 1], w2 = wk[ky * 3 + 2];
                    if (stride == 2) {
                        const float *even = pr, *odd = pr + half;
                        for (long ox = 0; ox < wo; ox++) row[ox] += w0 * even[ox] + w1 * odd[ox] + w2 * even[ox + 1];
                    } else {
                        for (long ox = 0; ox < wo; ox++) row[ox] += w0 * pr[ox] + w1 * pr[ox + 1] + w2 * pr[ox + 2];
                    }
                }
            }
            if (silu)
                for (long ox = 0; ox < wo; ox++) row[ox] = silu1(row[ox]);
        }
    }
}

MULTIVERSION
void steato_silu_backward(const float *x, const float *dy, float *dx, long n) {
    for (long i = 0; i < n; i++) {
        const float s = 1.0f / (1.0f + fast_exp(-x[i]));
        dx[i] = dy[i] * s * (1.0f + x[i] * (1.0f - s));
    }
}

MULTIVERSION
void steato_batchnorm_forward(const float *restrict x, long n, long channels, long plane, long first_channel, long end_channel, const float *gamma, const float *beta,
                              float *mean, float *variance, float epsilon, int training, float *restrict normalised,
                              float *inverse_std, int silu, float *restrict y) {
    const double m = (double)(n * plane);
    for (long c = first_channel; c < end_channel; c++) {
        if (training) {
            double s = 0, s2 = 0;
            for (long b = 0; b < n; b++) {
                const float *xc = x + (b * channels + c) * plane;
                // Per-plane partial sums in float, eight lanes apiece (so the loop vectorises without
                // reassociating), combined in double.
                float ps[8] = {0}, ps2[8] = {0};
                long i = 0;
                for (; i + 8 <= plane; i += 8)
                    for (int l = 0; l < 8; l++) { ps[l] += xc[i + l]; ps2[l] += xc[i + l] * xc[i + l]; }
                for (; i < plane; i++) { ps[0] += xc[i]; ps2[0] += xc[i] * xc[i]; }
                for (int l = 0; l < 8; l++) { s += ps[l]; s2 += ps2[l]; }
            }
            const double md = s / m;
            double v = s2 / m - md * md;
            mean[c] = (float)md;
            variance[c] = (float)(v > 0 ? v : 0);
        }
        const float mu = mean[c];
        const float inv = 1.0f / sqrtf(variance[c] + epsilon);
        if (training) inverse_std[c] = inv;
        const float g = gamma[c], bt = beta[c];
        for (long b = 0; b < n; b++) {
            const long base = (b * channels + c) * plane;
            const float *xc = x + base;
            float *yc = y + base;
            if (training) {
                float *hc = normalised + base;
                if (silu)
                    for (long i = 0; i < plane; i++) { const float h = (xc[i] - mu) * inv; hc[i] = h; yc[i] = silu1(g * h + bt); }
                else
                    for (long i = 0; i < plane; i++) { const float h = (xc[i] - mu) * inv; hc[i] = h; yc[i] = g * h + bt; }
            } else if (silu) {
                for (long i = 0; i < plane; i++) yc[i] = silu1(g * ((xc[i] - mu) * inv) + bt);
            } else {
                for (long i = 0; i < plane; i++) yc[i] = g * ((xc[i] - mu) * inv) + bt;
            }
        }
    }
}

// dL/dz of y = silu(z) at z = g·h + b, from dL/dy.
static inline float silu_gradient(float dy, float z) {
    const float s = 1.0f / (1.0f + fast_exp(-z));
    return dy * s * (1.0f + z * (1.0f - s));
}

// The gradient reaching the normalisation's output: dL/dy itself, or through the fused SiLU (its
// input recomputed from x̂ as γ·x̂ + β instead of stored).
static inline float normalised_gradient(float dy, float h, float g, float bt, int silu) {
    return silu ? silu_gradient(dy, g * h + bt) : dy;
}

MULTIVERSION
void steato_batchnorm_backward(const float *restrict dy, const float *restrict normalised, long n, long channels, long plane, long first_channel,
                               long end_channel, const float *gamma, const float *beta, const float *inverse_std, int silu,
                               float *dgamma, float *dbeta, float *restrict dx) {
    const float m = (float)(n * plane);
    for (long c = first_channel; c < end_channel; c++) {
        const float g = gamma[c], bt = beta[c];
        double sg = 0, sgx = 0;
        for (long b = 0; b < n; b++) {
            const long base = (b * channels + c) * plane;
            float pg[8] = {0}, pgx[8] = {0};
            long i = 0;
            for (; i + 8 <= plane; i += 8)
                for (int l = 0; l < 8; l++) {
                    const float h = normalised[base + i + l], dz = normalised_gradient(dy[base + i + l], h, g, bt, silu);
                    dx[base + i + l] = dz;   /* kept for the second pass, which would otherwise recompute it */
                    pg[l] += dz; pgx[l] += dz * h;
                }
            for (; i < plane; i++) {
                const float h = normalised[base + i], dz = normalised_gradient(dy[base + i], h, g, bt, silu);
                dx[base + i] = dz;
                pg[0] += dz; pgx[0] += dz * h;
            }
            for (int l = 0; l < 8; l++) { sg += pg[l]; sgx += pgx[l]; }
        }
        dgamma[c] += (float)sgx;
        dbeta[c] += (float)sg;
        const float scale = g * inverse_std[c] / m, fg = (float)sg, fgx = (float)sgx;
        for (long b = 0; b < n; b++) {
            const long base = (b * channels + c) * plane;
            for (long i = 0; i < plane; i++) {
                const float h = normalised[base + i], dz = dx[base + i];
                dx[base + i] = scale * (m * dz - fg - h * fgx);
            }
        }
    }
}

MULTIVERSION
void steato_depthwise_backward_plane(const float *in, long h, long w, const float *weight, long kernel, long stride,
                                     long padding, long dilation, const float *dy, long ho, long wo, float *dweight,
                                     float *dx) {
    for (long ky = 0; ky < kernel; ky++) {
        for (long kx = 0; kx < kernel; kx++) {
            const float wv = weight[ky * kernel + kx];
            const long offset = kx * dilation - padding;
            const long first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
            long last = (w - 1 - offset) / stride;
            if (last > wo - 1) last = wo - 1;
            float acc = 0, lanes[8] = {0};
            for (long oy = 0; oy < ho; oy++) {
                const long iy = oy * stride - padding + ky * dilation;
                if (iy < 0 || iy >= h) continue;
                const float *src = in + iy * w + offset;
                float *dsrc = dx + iy * w + offset;
                const float *g = dy + oy * wo;
                if (stride == 1) {
                    // Eight partial sums, so the loop vectorises without reassociating.
                    long ox = first;
                    for (; ox + 8 <= last + 1; ox += 8)
                        for (int l = 0; l < 8; l++) { lanes[l] += g[ox + l] * src[ox + l]; dsrc[ox + l] += g[ox + l] * wv; }
                    for (; ox <= last; ox++) { acc += g[ox] * src[ox]; dsrc[ox] += g[ox] * wv; }
                } else {
                    for (long ox = first; ox <= last; ox++) { acc += g[ox] * src[ox * stride]; dsrc[ox * stride] += g[ox] * wv; }
                }
            }
            for (int l = 0; l < 8; l++) acc += lanes[l];
            dweight[ky * kernel + kx] += acc;
        }
    }
}

MULTIVERSION
void steato_film_backward(const float *dy, const float *x, const float *scale, long channels, long plane, float *dscale,
                          float *dshift, float *dx) {
    for (long c = 0; c < channels; c++) {
        const float a = 1.0f + scale[c];
        const float *g = dy + c * plane, *xc = x + c * plane;
        float *d = dx + c * plane;
        float gs[8] = {0}, gx[8] = {0};
        long i = 0;
        for (; i + 8 <= plane; i += 8)
            for (int l = 0; l < 8; l++) { gs[l] += g[i + l]; gx[l] += g[i + l] * xc[i + l]; d[i + l] = g[i + l] * a; }
        for (; i < plane; i++) { gs[0] += g[i]; gx[0] += g[i] * xc[i]; d[i] = g[i] * a; }
        for (int l = 0; l < 8; l++) { dscale[c] += gx[l]; dshift[c] += gs[l]; }
    }
}
