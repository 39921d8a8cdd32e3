#include "imaging_kernels.h"
#include <stdlib.h>

#if defined(__x86_64__) && defined(__clang__)
#include "multiversion.h"
#define MULTIVERSION MULTIVERSION_AVX2
#else
#define MULTIVERSION
#endif

MULTIVERSION void steato_grey_colour(const uint8_t *rgb, long n, int threshold, uint8_t *grey, bool *coloured) {
    for (long i = 0; i < n; i++) {
        int r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
        grey[i] = (uint8_t)((r * 77 + g * 150 + b * 29) >> 8);
        int hi = r > g ? r : g, lo = r < g ? r : g;
        hi = hi > b ? hi : b;
        lo = lo < b ? lo : b;
        coloured[i] = hi - lo > threshold;
    }
}

MULTIVERSION void steato_half_downsample(const uint8_t *grey, const bool *coloured, long w, long sw, long sh, float *small,
                            bool *small_colour) {
    for (long y = 0; y < sh; y++) {
        const uint8_t *g0 = grey + 2 * y * w, *g1 = g0 + w;
        const bool *c0 = coloured + 2 * y * w, *c1 = c0 + w;
        for (long x = 0; x < sw; x++) {
            int s = g0[2 * x] + g0[2 * x + 1] + g1[2 * x] + g1[2 * x + 1];
            small[y * sw + x] = (float)s / 4;
            small_colour[y * sw + x] = c0[2 * x] | c0[2 * x + 1] | c1[2 * x] | c1[2 * x + 1];
        }
    }
}

static inline long clamp(long v, long lo, long hi) { return v < lo ? lo : (v > hi ? hi : v); }

MULTIVERSION void steato_box_blur(const float *in, long w, long h, long r, float *scratch, float *out) {
    float width = (float)(2 * r + 1);
    for (long y = 0; y < h; y++) {
        const float *row = in + y * w;
        float s = 0;
        for (long x = -r; x <= r; x++) s += row[clamp(x, 0, w - 1)];
        for (long x = 0; x < w; x++) {
            scratch[y * w + x] = s / width;
            s += row[clamp(x + r + 1, 0, w - 1)] - row[clamp(x - r, 0, w - 1)];
        }
    }
    // Columns swept row by row (contiguous), one running sum per column, added in the same order.
    float sums[w];
    for (long x = 0; x < w; x++) sums[x] = 0;
    for (long y = -r; y <= r; y++) {
        const float *row = scratch + clamp(y, 0, h - 1) * w;
        for (long x = 0; x < w; x++) sums[x] += row[x];
    }
    for (long y = 0; y < h; y++) {
        const float *add = scratch + clamp(y + r + 1, 0, h - 1) * w, *drop = scratch + clamp(y - r, 0, h - 1) * w;
        for (long x = 0; x < w; x++) {
            out[y * w + x] = sums[x] / width;
            sums[x] += add[x] - drop[x];
        }
    }
}

MULTIVERSION void steato_erode(const bool *in, long w, long h, long r, bool *scratch, bool *out) {
    // A square is separable: all true along the row, then all of those true along the column.
    for (long y = 0; y < h; y++) {
        for (long x = 0; x < w; x++) {
            bool keep = x - r >= 0 && x + r < w;
            for (long dx = -r; keep && dx <= r; dx++) keep = in[y * w + x + dx];
            scratch[y * w + x] = keep;
        }
    }
    for (long y = 0; y < h; y++) {
        for (long x = 0; x < w; x++) {
            bool keep = y - r >= 0 && y + r < h;
            for (long dy = -r; keep && dy <= r; dy++) keep = scratch[(y + dy) * w + x];
            out[y * w + x] = keep;
        }
    }
}

MULTIVERSION void steato_expand_mask(const bool *small, long sw, long sh, const bool *coloured, long w, bool *mask, long box[4]) {
    long x0 = w, y0 = 2 * sh, x1 = 0, y1 = 0;
    for (long y = 0; y < 2 * sh; y++) {
        const uint8_t *source = (const uint8_t *)(small + (y / 2) * sw);
        const uint8_t *colour = (const uint8_t *)(coloured + y * w);
        uint8_t *out = (uint8_t *)(mask + y * w);
        // The half-resolution row's extent first: rows outside the fan (most of a screen) end here.
        long first = 0, last = sw - 1;
        while (first < sw && !source[first]) first++;
        if (first == sw) continue;
        while (!source[last]) last--;
        // Each half-resolution cell covers two pixels; both bytes at once, so clang vectorises it.
        for (long x = first; x <= last; x++) {
            out[2 * x] = source[x] & !colour[2 * x];
            out[2 * x + 1] = source[x] & !colour[2 * x + 1];
        }
        long a = 2 * first, b = 2 * last + 1;
        while (a <= b && !out[a]) a++;
        if (a > b) continue;
        while (!out[b]) b--;
        if (a < x0) x0 = a;
        if (b + 1 > x1) x1 = b + 1;
        if (y < y0) y0 = y;
        y1 = y + 1;
    }
    box[0] = x0; box[1] = y0; box[2] = x1; box[3] = y1;
}

// Each output row first sums its source rows column by column (a contiguous, vectorised pass), then
// each cell adds its columns: the same integer sums as adding every cell's pixels one by one, at a
// fraction of the cost (about 3.5 source pixels a cell each way, which left the inner loops too short).
MULTIVERSION void steato_area_resample(const uint8_t *grey, const bool *mask, long w, long h, long x0, long y0, long x1, long y1,
                          long size, float *intensity, bool *cell_inside) {
    long bw = x1 - x0, bh = y1 - y0;
    long cx0 = x0 < 0 ? 0 : x0, cx1 = x1 > w ? w : x1;   /* the box's columns inside the image */
    long span = cx1 > cx0 ? cx1 - cx0 : 0;
    int32_t *column_sum = malloc(sizeof(int32_t) * (size_t)(span + 1));
    int32_t *column_inside = malloc(sizeof(int32_t) * (size_t)(span + 1));
    // Every output row has the same cells across: their column ranges once (two divisions a cell).
    long *column_from = malloc(sizeof(long) * (size_t)size), *column_to = malloc(sizeof(long) * (size_t)size);
    for (long ox = 0; ox < size; ox++) {
        column_from[ox] = x0 + ox * bw / size;
        column_to[ox] = x0 + (ox + 1) * bw / size;
        if (column_to[ox] < column_from[ox] + 1) column_to[ox] = column_from[ox] + 1;
    }
    for (long oy = 0; oy < size; oy++) {
        long sy0 = y0 + oy * bh / size, sy1 = y0 + (oy + 1) * bh / size;
        if (sy1 < sy0 + 1) sy1 = sy0 + 1;
        for (long k = 0; k < span; k++) { column_sum[k] = 0; column_inside[k] = 0; }
        for (long sy = sy0 < 0 ? 0 : sy0; sy < sy1 && sy < h; sy++) {   /* rows beyond the image: outside the fan */
            const uint8_t *g = grey + sy * w + cx0;
            const bool *m = mask + sy * w + cx0;
            for (long k = 0; k < span; k++) {
                int32_t on = m[k];
                column_sum[k] += on * g[k];
                column_inside[k] += on;
            }
        }
        for (long ox = 0; ox < size; ox++) {
            long sx0 = column_from[ox], sx1 = column_to[ox];
            long total = (sy1 - sy0) * (sx1 - sx0), sum = 0, inside = 0;
            long from = sx0 < cx0 ? cx0 : sx0, to = sx1 > cx1 ? cx1 : sx1;
            for (long sx = from; sx < to; sx++) { sum += column_sum[sx - cx0]; inside += column_inside[sx - cx0]; }
            bool in = inside * 2 > total;
            intensity[oy * size + ox] = in ? (float)sum / (float)inside / 255 : 0;
            cell_inside[oy * size + ox] = in;
        }
    }
    free(column_sum);
    free(column_inside);
    free(column_from);
    free(column_to);
}

// Cells outside the grid or the mask add 0 (and 0 to the count), which leaves a sum of non-negative
// values exactly as it was; so every cell adds its box row by row, left to right, as the plain loop
// does, while the loop runs across cells and vectorises.
MULTIVERSION void steato_masked_mean(const float *values, const bool *mask, long n, long r, float *out) {
    long p = n + 2 * r;
    float *masked = calloc((size_t)(p * p), sizeof(float)), *ones = calloc((size_t)(p * p), sizeof(float));
    float *sum = malloc(sizeof(float) * (size_t)n), *count = malloc(sizeof(float) * (size_t)n);
    for (long y = 0; y < n; y++) {
        for (long x = 0; x < n; x++) {
            bool on = mask[y * n + x];
            masked[(y + r) * p + x + r] = on ? values[y * n + x] : 0;
            ones[(y + r) * p + x + r] = on ? 1 : 0;
        }
    }
    for (long y = 0; y < n; y++) {
        for (long x = 0; x < n; x++) { sum[x] = 0; count[x] = 0; }
        for (long dy = 0; dy <= 2 * r; dy++) {
            for (long dx = 0; dx <= 2 * r; dx++) {
                const float *v = masked + (y + dy) * p + dx, *o = ones + (y + dy) * p + dx;
                for (long x = 0; x < n; x++) { sum[x] += v[x]; count[x] += o[x]; }
            }
        }
        for (long x = 0; x < n; x++) out[y * n + x] = mask[y * n + x] ? sum[x] / count[x] : 0;
    }
    free(masked); free(ones); free(sum); free(count);
}

/// How many of `values[0..<n]` are true.
MULTIVERSION long steato_count_true(const bool *values, long n) {
    long count = 0;
    for (long i = 0; i < n; i++) count += values[i];
    return count;
}

float steato_select(float *v, long n, long k) {
    // Quickselect (Hoare partition around the middle element).
    long lo = 0, hi = n - 1;
    while (lo < hi) {
        float pivot = v[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) { float t = v[i]; v[i] = v[j]; v[j] = t; i++; j--; }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else return v[k];
    }
    return v[k];
}
