#ifndef STEATO_KERNELS_H
#define STEATO_KERNELS_H
// Elementwise and depthwise kernels of ModelCore, in C so clang vectorises them (Swift's generic SIMD
// types did not: SiLU ran at 2 ns per value). Called only from ModelCore.

/// y = x·sigmoid(x); x and y may be the same buffer.
void steato_silu(const float *x, float *y, long n);

/// out = silu(h·(1 + scale[c]) + shift[c] + shortcut) over one image's [channels, plane] block:
/// FiLM, the residual addition and the block's activation in one pass.
void steato_film_add_silu(const float *h, const float *shortcut, const float *scale, const float *shift,
                          long channels, long plane, float *out);

/// x[c, i] += bias[c] over [channels, plane], then the activation when `silu`.
void steato_bias_silu(float *x, const float *bias, long channels, long plane, int silu);

/// One channel of a depthwise convolution: out[ho, wo] = bias + Σ w[ky, kx]·in[oy·s − p + ky·d, ox·s − p + kx·d];
/// with `accumulate` the sum is added to `out` instead (bias ignored); with `silu` the activation is
/// applied on the way out. A dense convolution with few input channels is a sum of these planes.
void steato_depthwise_plane(const float *in, long h, long w, const float *weight, long kernel, long stride,
                            long padding, long dilation, float bias, float *out, long ho, long wo, int accumulate,
                            int silu);
#endif

#ifndef STEATO_KERNELS_DIRECT
#define STEATO_KERNELS_DIRECT
/// Scratch floats `steato_conv3x3_direct` needs for an input of [channels, h, w].
long steato_conv3x3_scratch(long channels, long h, long w);

/// Dense 3×3 convolution, padding 1, stride 1 or 2, for inputs with few channels (the stem), one image:
/// in [cin, h, w], weight [cout, cin, 3, 3], bias [cout] or NULL, out [cout, ho, wo]. Rows are
/// zero-padded and, for stride 2, split into even and odd columns so every tap reads contiguously.
void steato_conv3x3_direct(const float *in, long cin, long h, long w, const float *weight, const float *bias,
                           long cout, long stride, float *out, long ho, long wo, int silu, float *scratch);

/// The weight gradient of that convolution for one image, directly (no unfolding): accumulates
/// dweight [cout, cin, 3, 3] += Σ dy[o, oy, ox]·in[c, oy·s − 1 + ky, ox·s − 1 + kx]. Same scratch.
void steato_conv3x3_weight_gradient(const float *in, long cin, long h, long w, const float *dy, long cout, long stride,
                                    long ho, long wo, float *dweight, float *scratch);
#endif

#ifndef STEATO_KERNELS_TRAINING
#define STEATO_KERNELS_TRAINING
/// dx = dy·σ(x)·(1 + x·(1 − σ(x))).
void steato_silu_backward(const float *x, const float *dy, float *dx, long n);

/// Batch normalisation kernels work on channels first_channel..<end_channel of [n, channels, plane]
/// (disjoint ranges can run on different threads).
/// Batch normalisation forward over x [n, channels, plane]. With `training`, the batch statistics are
/// computed (mean and biased variance written to `mean`, `variance`), and x̂ kept in `normalised` with
/// 1/σ in `inverse_std`; otherwise `mean`, `variance` are read (running statistics). With `silu` the
/// activation follows in the same pass (y = silu(γ·x̂ + β)). `x`, `normalised` and `y` must not overlap.
void steato_batchnorm_forward(const float *x, long n, long channels, long plane, long first_channel, long end_channel, const float *gamma, const float *beta,
                              float *mean, float *variance, float epsilon, int training, float *normalised,
                              float *inverse_std, int silu, float *y);

/// Batch normalisation backward (training statistics), in two passes over memory: accumulates dγ,
/// dβ and writes dx. With `silu` the gradient arrives through a SiLU fused after it, whose input is
/// recomputed from x̂ (z = γ·x̂ + β) instead of stored; the first pass keeps its dz in dx for the second.
/// `dy`, `normalised` and `dx` must not overlap.
void steato_batchnorm_backward(const float *dy, const float *normalised, long n, long channels, long plane, long first_channel,
                               long end_channel, const float *gamma, const float *beta, const float *inverse_std, int silu,
                               float *dgamma, float *dbeta, float *dx);

/// FiLM backward for one image (y = x·(1 + scale[c]) + shift[c]): accumulates dscale, dshift; writes dx.
void steato_film_backward(const float *dy, const float *x, const float *scale, long channels, long plane, float *dscale,
                          float *dshift, float *dx);

/// Depthwise convolution backward for one channel plane: accumulates dweight[k·k] and dx (which must be zeroed).
void steato_depthwise_backward_plane(const float *in, long h, long w, const float *weight, long kernel, long stride,
                                     long padding, long dilation, const float *dy, long ho, long wo, float *dweight,
                                     float *dx);
#endif
