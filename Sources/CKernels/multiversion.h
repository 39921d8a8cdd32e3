#ifndef STEATO_MULTIVERSION_H
#define STEATO_MULTIVERSION_H
// MULTIVERSION_V3 / MULTIVERSION_AVX2: an AVX2 (+FMA) and a baseline build of a kernel, picked by the
// loader. ThreadSanitizer instruments the ifunc resolvers target_clones generates, and the loader runs
// them before TSan has started (a crash at start), so under TSan each kernel is built once.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STEATO_SINGLE_BUILD 1
#endif
#endif
#ifdef STEATO_SINGLE_BUILD
#define MULTIVERSION_V3
#define MULTIVERSION_AVX2
#else
#define MULTIVERSION_V3 __attribute__((target_clones("arch=x86-64-v3", "default")))
#define MULTIVERSION_AVX2 __attribute__((target_clones("avx2", "default")))
#endif
#endif
