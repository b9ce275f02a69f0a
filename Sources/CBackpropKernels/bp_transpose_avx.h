// Register transposes for packing, shared by the AVX2 and AVX-512 kernel files: R rows of
// a row-major source (row r at s + r*ld, contiguous in k) become kc k-steps of R values,
// step p at dst + p*ds. They serve the full slivers of a transposed B (R = NR, ds = NR)
// and of an untransposed A (R = MR, ds = MR). Always inlined into their callers, whose
// target attributes (avx2 / avx512f) include AVX; R is a compile-time constant there.
#ifndef BP_TRANSPOSE_AVX_H
#define BP_TRANSPOSE_AVX_H

#if defined(__x86_64__)
#include <immintrin.h>

#define BP_TR_INLINE static inline __attribute__((always_inline, target("avx")))

// 8 rows x 8 steps of float: unpack / shuffle / 128-bit permute.
BP_TR_INLINE void bp_s_tr8x8(const float *s, ptrdiff_t ld, float *d, ptrdiff_t ds) {
  __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ld);
  __m256 r2 = _mm256_loadu_ps(s + 2 * ld), r3 = _mm256_loadu_ps(s + 3 * ld);
  __m256 r4 = _mm256_loadu_ps(s + 4 * ld), r5 = _mm256_loadu_ps(s + 5 * ld);
  __m256 r6 = _mm256_loadu_ps(s + 6 * ld), r7 = _mm256_loadu_ps(s + 7 * ld);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(d + 0 * ds, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(d + 1 * ds, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(d + 2 * ds, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(d + 3 * ds, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(d + 4 * ds, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(d + 5 * ds, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(d + 6 * ds, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(d + 7 * ds, _mm256_permute2f128_ps(u3, u7, 0x31));
}

// 4 rows x 8 steps of float: the same network on 4 rows, each 128-bit half one 4 x 4 block.
BP_TR_INLINE void bp_s_tr4x8(const float *s, ptrdiff_t ld, float *d, ptrdiff_t ds) {
  __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ld);
  __m256 r2 = _mm256_loadu_ps(s + 2 * ld), r3 = _mm256_loadu_ps(s + 3 * ld);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  __m256 u[4] = {_mm256_shuffle_ps(t0, t2, 0x44), _mm256_shuffle_ps(t0, t2, 0xEE),
                 _mm256_shuffle_ps(t1, t3, 0x44), _mm256_shuffle_ps(t1, t3, 0xEE)};
  for (int q = 0; q < 4; q++) {
    _mm_storeu_ps(d + q * ds, _mm256_castps256_ps128(u[q]));
    _mm_storeu_ps(d + (q + 4) * ds, _mm256_extractf128_ps(u[q], 1));
  }
}

// 4 rows x 4 steps of double.
BP_TR_INLINE void bp_d_tr4x4(const double *s, ptrdiff_t ld, double *d, ptrdiff_t ds) {
  __m256d r0 = _mm256_loadu_pd(s), r1 = _mm256_loadu_pd(s + ld);
  __m256d r2 = _mm256_loadu_pd(s + 2 * ld), r3 = _mm256_loadu_pd(s + 3 * ld);
  __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
  __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
  _mm256_storeu_pd(d + 0 * ds, _mm256_permute2f128_pd(t0, t2, 0x20));
  _mm256_storeu_pd(d + 1 * ds, _mm256_permute2f128_pd(t1, t3, 0x20));
  _mm256_storeu_pd(d + 2 * ds, _mm256_permute2f128_pd(t0, t2, 0x31));
  _mm256_storeu_pd(d + 3 * ds, _mm256_permute2f128_pd(t1, t3, 0x31));
}

// R rows (a multiple of 4) of float: 8 x 8 blocks, a 4 x 8 block for R % 8 == 4, then the
// last kc % 8 steps one at a time.
BP_TR_INLINE void bp_s_pack_rows(const int R, ptrdiff_t kc, const float *s, ptrdiff_t ld,
                                 float *restrict dst, const ptrdiff_t ds) {
  ptrdiff_t p = 0;
  for (; p + 8 <= kc; p += 8) {
    int r = 0;
    for (; r + 8 <= R; r += 8) bp_s_tr8x8(s + r * ld + p, ld, dst + p * ds + r, ds);
    if (r < R) bp_s_tr4x8(s + r * ld + p, ld, dst + p * ds + r, ds);
  }
  for (; p < kc; p++)
    for (int r = 0; r < R; r++) dst[p * ds + r] = s[r * ld + p];
}

// R rows (a multiple of 4) of double: 4 x 4 blocks, then the last kc % 4 steps.
BP_TR_INLINE void bp_d_pack_rows(const int R, ptrdiff_t kc, const double *s, ptrdiff_t ld,
                                 double *restrict dst, const ptrdiff_t ds) {
  ptrdiff_t p = 0;
  for (; p + 4 <= kc; p += 4)
    for (int r = 0; r < R; r += 4) bp_d_tr4x4(s + r * ld + p, ld, dst + p * ds + r, ds);
  for (; p < kc; p++)
    for (int r = 0; r < R; r++) dst[p * ds + r] = s[r * ld + p];
}

#endif  // __x86_64__
#endif
