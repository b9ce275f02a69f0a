// AVX2 + FMA micro-kernels and packing. The file is compiled for baseline x86-64 (SwiftPM
// passes no -march); every function carries target("avx2,fma") and is only reached after
// the runtime check in gemm.c.
#include "bp_gemm_internal.h"

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

#define BP_T float
#define BP_MR SMR
#define BP_NR SNR
#define BP_ATTR BP_AVX2
#define BP_FN(x) s_##x##_avx2
#include "bp_pack_template.h"
#undef BP_T
#undef BP_MR
#undef BP_NR
#undef BP_ATTR
#undef BP_FN

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

#define BP_T double
#define BP_MR DMR
#define BP_NR DNR
#define BP_ATTR BP_AVX2
#define BP_FN(x) d_##x##_avx2
#include "bp_pack_template.h"
#undef BP_T
#undef BP_MR
#undef BP_NR
#undef BP_ATTR
#undef BP_FN

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

const bp_skernels bp_skernels_avx2 = {SMR, SNR, BP_S_MC, BP_S_KC, BP_S_NC,
                                      s_ukr_avx2, s_pack_a_avx2, s_pack_b_avx2, s_small_avx2};
const bp_dkernels bp_dkernels_avx2 = {DMR, DNR, BP_D_MC, BP_D_KC, BP_D_NC,
                                      d_ukr_avx2, d_pack_a_avx2, d_pack_b_avx2, d_small_avx2};

#endif  // __x86_64__
