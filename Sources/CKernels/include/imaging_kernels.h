#ifndef STEATO_IMAGING_KERNELS_H
#define STEATO_IMAGING_KERNELS_H
#include <stdbool.h>
#include <stdint.h>
// Per-pixel loops of preprocessing (UltrasoundImaging), in C so they vectorise: fan detection and the
// network input ran at 3–4 ms an image in Swift, most of a study's scoring time.

/// Grey level (r·77 + g·150 + b·29) >> 8 of each RGB pixel, and whether its chroma
/// (max − min of r, g, b) exceeds `threshold`.
void steato_grey_colour(const uint8_t *rgb, long n, int threshold, uint8_t *grey, bool *coloured);

/// 2×2 means of `grey` (width w) into `small` [sh, sw], and whether any of the four is coloured.
void steato_half_downsample(const uint8_t *grey, const bool *coloured, long w, long sw, long sh, float *small,
                            bool *small_colour);

/// Box mean of radius r over [h, w], edges clamped: rows into `scratch`, then columns into `out`.
void steato_box_blur(const float *in, long w, long h, long r, float *scratch, float *out);

/// Erosion by a (2r+1)² square; outside the image counts as false. `scratch` holds w·h.
void steato_erode(const bool *in, long w, long h, long r, bool *scratch, bool *out);

/// A half-resolution mask [sh, sw] back at full resolution (width w, rows 0..<2·sh, columns 0..<2·sw),
/// without coloured pixels. Writes the bounding box x0, y0, x1, y1 (exclusive ends) of what is set;
/// x1 ≤ x0 when nothing is. `mask` must come zeroed: rows outside the fan are not written.
void steato_expand_mask(const bool *small, long sw, long sh, const bool *coloured, long w, bool *mask, long box[4]);

/// Area-average of the box [x0, x1) × [y0, y1) of `grey` (w × h) over `mask` into size×size cells:
/// a cell is inside when most of its pixels are, and holds their mean / 255. The box may reach past
/// the image; pixels there count as outside.
void steato_area_resample(const uint8_t *grey, const bool *mask, long w, long h, long x0, long y0, long x1, long y1,
                          long size, float *intensity, bool *cell_inside);

/// The k-th smallest of values[0..<n] (0-based); reorders `values`.
/// The mean of the masked cells of an n×n grid in a (2r+1)² box round each masked cell (0 elsewhere),
/// added row by row in the box as a plain loop would (so the same floats).
void steato_masked_mean(const float *values, const bool *mask, long n, long r, float *out);

/// How many of `values[0..<n]` are true.
long steato_count_true(const bool *values, long n);

float steato_select(float *values, long n, long k);

/// Serve allocations up to 64 MB from the heap rather than fresh mappings: image-sized buffers come and
/// go per image, and mapped ones are faulted in and zeroed by the kernel each time.
void steato_reuse_large_buffers(void);
#endif
