#ifndef STEATO_BLOCKED_KERNELS_H
#define STEATO_BLOCKED_KERNELS_H
// The inference network's kernels on a channel-blocked layout (NCHW8c: [channels / 8][height][width][8]),
// so every load and store is one 8-float vector and the per-channel work of a pixel sits in one
// register. Each kernel ends in its own epilogue (bias, FiLM, residual, SiLU): one pass over memory per
// layer. Compiled for AVX2 + FMA and for the baseline; the CPU picks at load time. Every channel count
// must be a multiple of 8. Called only from ModelCore's BlockedNetwork.

/// Dense 3×3 convolution, stride 2, padding 1, from a plain [cin, h, w] image (the stem) to blocked
/// out [cout / 8][ho][wo][8], + bias, then SiLU. weight: packed [cout / 8][cin][3][3][8].
void steato_nchwc_stem(const float *in, long cin, long h, long w, const float *weight, const float *bias, long cout,
                       float *out, long ho, long wo);

/// Depthwise 3×3 convolution, padding 1, stride 1 or 2, blocked in and out, + bias, then SiLU.
/// weight: packed [channels / 8][3][3][8].
void steato_nchwc_depthwise(const float *in, long channels, long h, long w, const float *weight, const float *bias,
                            long stride, float *out, long ho, long wo);

/// 1×1 convolution over `plane` pixels, blocked in and out: y = W·x + bias; then, when given,
/// y = y·(1 + film_scale[c]) + film_shift[c]; y += residual (blocked like out); SiLU when `silu`.
/// weight: packed [cout / 8][cin][8].
void steato_nchwc_pointwise(const float *in, long cin, long plane, const float *weight, const float *bias, long cout,
                            const float *film_scale, const float *film_shift, const float *residual, int silu, float *out);

/// Every `stride`-th pixel of every `stride`-th row (the input of a strided 1×1 shortcut).
void steato_nchwc_subsample(const float *in, long channels, long h, long w, long stride, float *out, long ho, long wo);

/// Global average pooling: out[c] = mean over the plane of channel c, in plain channel order.
void steato_nchwc_average(const float *in, long channels, long plane, float *out);
#endif
