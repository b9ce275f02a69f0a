// AVX2 + FMA micro-kernels and packing. The file is compiled for baseline x86-64 (SwiftPM
// passes no -march); every function carries target("avx2,fma") and is only reached after
// the runtime check in gemm.c.
#include "bp_gemm_internal.h"
#include "bp_transpose_avx.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define BP_AVX2 __attribute__((target("avx2,fma")))

// ---- float: SMR x 16 (2 * SMR ymm accumulators) ----
#define SMR 5
#define SNR 16

static BP_AVX2 void s_ukr_avx2(ptrdiff_t kc, const float *restrict a, const float *restrict b,
                               float *restrict c, ptrdiff_t ldc, float alpha, float beta,
                               int mr, int nr) {
  __m256 c0[SMR], c1[SMR];
  for (int r = 0; r < SMR; r++) c0[r] = c1[r] = _mm256_setzero_ps();
  for (int r = 0; r < SMR && r < mr; r++) _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
  for (ptrdiff_t p = 0; p < kc; p++) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    for (int r = 0; r < SMR; r++) {
      __m256 av = _mm256_broadcast_ss(a + r);
      c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
    }
    a += SMR;
    b += SNR;
  }
  __m256 va = _mm256_set1_ps(alpha);
  if (mr == SMR && nr == SNR) {
    if (beta == 0) {
      for (int r = 0; r < SMR; r++) {
        _mm256_storeu_ps(c + r * ldc, _mm256_mul_ps(va, c0[r]));
        _mm256_storeu_ps(c + r * ldc + 8, _mm256_mul_ps(va, c1[r]));
      }
    } else if (beta == 1) {
      for (int r = 0; r < SMR; r++) {
        _mm256_storeu_ps(c + r * ldc, _mm256_fmadd_ps(va, c0[r], _mm256_loadu_ps(c + r * ldc)));
        _mm256_storeu_ps(c + r * ldc + 8,
                         _mm256_fmadd_ps(va, c1[r], _mm256_loadu_ps(c + r * ldc + 8)));
      }
    } else {
      __m256 vb = _mm256_set1_ps(beta);
      for (int r = 0; r < SMR; r++) {
        _mm256_storeu_ps(c + r * ldc, _mm256_fmadd_ps(va, c0[r],
                                                      _mm256_mul_ps(vb, _mm256_loadu_ps(c + r * ldc))));
        _mm256_storeu_ps(c + r * ldc + 8,
                         _mm256_fmadd_ps(va, c1[r], _mm256_mul_ps(vb, _mm256_loadu_ps(c + r * ldc + 8))));
      }
    }
    return;
  }
  float t[SMR * SNR] __attribute__((aligned(32)));
  for (int r = 0; r < SMR; r++) {
    _mm256_store_ps(t + r * SNR, _mm256_mul_ps(va, c0[r]));
    _mm256_store_ps(t + r * SNR + 8, _mm256_mul_ps(va, c1[r]));
  }
  for (int r = 0; r < mr; r++) {
    float *cr = c + r * ldc;
    if (beta == 0)
      for (int j = 0; j < nr; j++) cr[j] = t[r * SNR + j];
    else
      for (int j = 0; j < nr; j++) cr[j] = t[r * SNR + j] + beta * cr[j];
  }
}

// One 16-column sliver of B^T (B(p,j) = s[j*ld + p]): 8 x 8 register transposes.
#define BP_PACK_BT_FULL(kc, src, ld, dst) bp_s_pack_rows(SNR, kc, src, ld, dst, SNR)

// One full 5-row sliver of op(A). Each k step is 5 floats. Untransposed A: 8-float stores
// overlap into the next step's slots, which are written afterwards, so they are only used
// while another step follows (the sliver's last steps are stored exactly).
static BP_AVX2 void s_pack_a5_avx2(int trans, ptrdiff_t kc, const float *s, ptrdiff_t ld,
                                   float *restrict dst) {
  ptrdiff_t p = 0;
  if (!trans) {  // A(i,p) = s[i*ld + p]: transpose 5 rows x 8 steps
    const __m256 z = _mm256_setzero_ps();
    for (; p + 8 < kc; p += 8) {
      __m256 r0 = _mm256_loadu_ps(s + p), r1 = _mm256_loadu_ps(s + ld + p);
      __m256 r2 = _mm256_loadu_ps(s + 2 * ld + p), r3 = _mm256_loadu_ps(s + 3 * ld + p);
      __m256 r4 = _mm256_loadu_ps(s + 4 * ld + p);
      __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
      __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
      __m256 t4 = _mm256_unpacklo_ps(r4, z), t5 = _mm256_unpackhi_ps(r4, z);
      __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
      __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
      __m256 u4 = _mm256_shuffle_ps(t4, z, 0x44), u5 = _mm256_shuffle_ps(t4, z, 0xEE);
      __m256 u6 = _mm256_shuffle_ps(t5, z, 0x44), u7 = _mm256_shuffle_ps(t5, z, 0xEE);
      float *d = dst + p * SMR;
      _mm256_storeu_ps(d + 0 * SMR, _mm256_permute2f128_ps(u0, u4, 0x20));
      _mm256_storeu_ps(d + 1 * SMR, _mm256_permute2f128_ps(u1, u5, 0x20));
      _mm256_storeu_ps(d + 2 * SMR, _mm256_permute2f128_ps(u2, u6, 0x20));
      _mm256_storeu_ps(d + 3 * SMR, _mm256_permute2f128_ps(u3, u7, 0x20));
      _mm256_storeu_ps(d + 4 * SMR, _mm256_permute2f128_ps(u0, u4, 0x31));
      _mm256_storeu_ps(d + 5 * SMR, _mm256_permute2f128_ps(u1, u5, 0x31));
      _mm256_storeu_ps(d + 6 * SMR, _mm256_permute2f128_ps(u2, u6, 0x31));
      _mm256_storeu_ps(d + 7 * SMR, _mm256_permute2f128_ps(u3, u7, 0x31));
    }
    for (; p < kc; p++)
      for (int r = 0; r < SMR; r++) dst[p * SMR + r] = s[r * ld + p];
  } else {  // A(i,p) = s[p*ld + i]: 5 contiguous floats per step
    for (; p < kc; p++) {
      const float *sp = s + p * ld;
      _mm_storeu_ps(dst + p * SMR, _mm_loadu_ps(sp));
      dst[p * SMR + 4] = sp[4];
    }
  }
}
#define BP_PACK_A_FULL(trans, kc, src, ld, dst) s_pack_a5_avx2(trans, kc, src, ld, dst)

#define BP_T float
#define BP_MR SMR
#define BP_NR SNR
#define BP_ATTR BP_AVX2
#define BP_FN(x) s_##x##_avx2
#define BP_NO_SMALL
#include "bp_pack_template.h"

// ---- double: DMR x 8 (2 * DMR ymm accumulators) ----
#define DMR 5
#define DNR 8

static BP_AVX2 void d_ukr_avx2(ptrdiff_t kc, const double *restrict a, const double *restrict b,
                               double *restrict c, ptrdiff_t ldc, double alpha, double beta,
                               int mr, int nr) {
  __m256d c0[DMR], c1[DMR];
  for (int r = 0; r < DMR; r++) c0[r] = c1[r] = _mm256_setzero_pd();
  for (int r = 0; r < DMR && r < mr; r++) _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
  for (ptrdiff_t p = 0; p < kc; p++) {
    __m256d b0 = _mm256_load_pd(b), b1 = _mm256_load_pd(b + 4);
    for (int r = 0; r < DMR; r++) {
      __m256d av = _mm256_broadcast_sd(a + r);
      c0[r] = _mm256_fmadd_pd(av, b0, c0[r]);
      c1[r] = _mm256_fmadd_pd(av, b1, c1[r]);
    }
    a += DMR;
    b += DNR;
  }
  __m256d va = _mm256_set1_pd(alpha);
  if (mr == DMR && nr == DNR) {
    if (beta == 0) {
      for (int r = 0; r < DMR; r++) {
        _mm256_storeu_pd(c + r * ldc, _mm256_mul_pd(va, c0[r]));
        _mm256_storeu_pd(c + r * ldc + 4, _mm256_mul_pd(va, c1[r]));
      }
    } else if (beta == 1) {
      for (int r = 0; r < DMR; r++) {
        _mm256_storeu_pd(c + r * ldc, _mm256_fmadd_pd(va, c0[r], _mm256_loadu_pd(c + r * ldc)));
        _mm256_storeu_pd(c + r * ldc + 4,
                         _mm256_fmadd_pd(va, c1[r], _mm256_loadu_pd(c + r * ldc + 4)));
      }
    } else {
      __m256d vb = _mm256_set1_pd(beta);
      for (int r = 0; r < DMR; r++) {
        _mm256_storeu_pd(c + r * ldc, _mm256_fmadd_pd(va, c0[r],
                                                      _mm256_mul_pd(vb, _mm256_loadu_pd(c + r * ldc))));
        _mm256_storeu_pd(c + r * ldc + 4,
                         _mm256_fmadd_pd(va, c1[r], _mm256_mul_pd(vb, _mm256_loadu_pd(c + r * ldc + 4))));
      }
    }
    return;
  }
  double t[DMR * DNR] __attribute__((aligned(32)));
  for (int r = 0; r < DMR; r++) {
    _mm256_store_pd(t + r * DNR, _mm256_mul_pd(va, c0[r]));
    _mm256_store_pd(t + r * DNR + 4, _mm256_mul_pd(va, c1[r]));
  }
  for (int r = 0; r < mr; r++) {
    double *cr = c + r * ldc;
    if (beta == 0)
      for (int j = 0; j < nr; j++) cr[j] = t[r * DNR + j];
    else
      for (int j = 0; j < nr; j++) cr[j] = t[r * DNR + j] + beta * cr[j];
  }
}

// One 8-column sliver of B^T (B(p,j) = s[j*ld + p]): 4 x 4 register transposes.
#define BP_PACK_BT_FULL(kc, src, ld, dst) bp_d_pack_rows(DNR, kc, src, ld, dst, DNR)

#define BP_T double
#define BP_MR DMR
#define BP_NR DNR
#define BP_ATTR BP_AVX2
#define BP_FN(x) d_##x##_avx2
#define BP_NO_SMALL
#include "bp_pack_template.h"

static inline __attribute__((always_inline, target("avx2,fma"))) float s_hsum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}
#define T float
#define V __m256
#define VI __m256i
#define VL 8
#define SFX(x) s_##x
#define SMALL_FN bp_s_small_avx2
#define SMALL_TARGET "avx2,fma"
#define SMALL_PACK_B s_pack_b_avx2
#define V_ZERO() _mm256_setzero_ps()
#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_MLOAD(p, mk) _mm256_maskload_ps(p, mk)
#define V_STORE(p, v) _mm256_storeu_ps(p, v)
#define V_MSTORE(p, mk, v) _mm256_maskstore_ps(p, mk, v)
#define V_BCAST(p) _mm256_broadcast_ss(p)
#define V_SET1(x) _mm256_set1_ps(x)
#define V_FMA(x, y, z) _mm256_fmadd_ps(x, y, z)
#define V_MUL(x, y) _mm256_mul_ps(x, y)
#define V_ADD(x, y) _mm256_add_ps(x, y)
#define V_HSUM(v) s_hsum(v)
#define MASK(w) _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(w)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#include "bp_small_template.h"

static inline __attribute__((always_inline, target("avx2,fma"))) double d_hsum(__m256d v) {
  __m128d x = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  x = _mm_add_sd(x, _mm_unpackhi_pd(x, x));
  return _mm_cvtsd_f64(x);
}
#define T double
#define V __m256d
#define VI __m256i
#define VL 4
#define SFX(x) d_##x
#define SMALL_FN bp_d_small_avx2
#define SMALL_TARGET "avx2,fma"
#define SMALL_PACK_B d_pack_b_avx2
#define V_ZERO() _mm256_setzero_pd()
#define V_LOAD(p) _mm256_loadu_pd(p)
#define V_MLOAD(p, mk) _mm256_maskload_pd(p, mk)
#define V_STORE(p, v) _mm256_storeu_pd(p, v)
#define V_MSTORE(p, mk, v) _mm256_maskstore_pd(p, mk, v)
#define V_BCAST(p) _mm256_broadcast_sd(p)
#define V_SET1(x) _mm256_set1_pd(x)
#define V_FMA(x, y, z) _mm256_fmadd_pd(x, y, z)
#define V_MUL(x, y) _mm256_mul_pd(x, y)
#define V_ADD(x, y) _mm256_add_pd(x, y)
#define V_HSUM(v) d_hsum(v)
#define MASK(w) _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)(w)), _mm256_setr_epi64x(0, 1, 2, 3))
#include "bp_small_template.h"

#ifndef BP_S_MC
#define BP_S_MC 240
#endif
#ifndef BP_S_KC
#define BP_S_KC 256
#endif
#ifndef BP_S_NC
#define BP_S_NC 2048
#endif
#ifndef BP_D_MC
#define BP_D_MC 120
#endif
#ifndef BP_D_KC
#define BP_D_KC 256
#endif
#ifndef BP_D_NC
#define BP_D_NC 2048
#endif

#ifndef BP_S_SMALL_MNK
#define BP_S_SMALL_MNK (256.0 * 256.0 * 256.0)
#endif
#ifndef BP_S_SMALL_KN
#define BP_S_SMALL_KN (64.0 * 1024.0)
#endif
#ifndef BP_D_SMALL_MNK
#define BP_D_SMALL_MNK (256.0 * 256.0 * 256.0)
#endif
#ifndef BP_D_SMALL_KN
#define BP_D_SMALL_KN (32.0 * 1024.0)
#endif

const bp_skernels bp_skernels_avx2 = {SMR, SNR, BP_S_MC, BP_S_KC, BP_S_NC,
                                      s_ukr_avx2, s_pack_a_avx2, s_pack_b_avx2, bp_s_small_avx2,
                                      BP_S_SMALL_MNK, BP_S_SMALL_KN};
const bp_dkernels bp_dkernels_avx2 = {DMR, DNR, BP_D_MC, BP_D_KC, BP_D_NC,
                                      d_ukr_avx2, d_pack_a_avx2, d_pack_b_avx2, bp_d_small_avx2,
                                      BP_D_SMALL_MNK, BP_D_SMALL_KN};

#endif  // __x86_64__
