// GEMM entry points: runtime ISA dispatch, the small-product cutoff and the threading
// threshold. The blocked driver lives in bp_driver_template.h, the micro-kernels and
// packing in kernels_avx2.c (AVX2 + FMA via target attributes) and kernels_generic.c.
#include "CBackpropKernels.h"
#include "bp_gemm_internal.h"

#include <stdatomic.h>

// Multi-threading starts at this m*n*k, with at least this much work per thread.
// Measured on a 2-core AMD EPYC (Zen 4) with the workers hot: 2 threads gain 1.3x at 48^3,
// 1.6x at 56^3 and 1.8x at 64^3. A sleeping worker costs the caller only the wake-up call
// (~0.2 us): the caller then runs the chunks the worker has not claimed.
#ifndef BP_MT_MIN_MNK
#define BP_MT_MIN_MNK (56.0 * 56.0 * 56.0)
#endif
#ifndef BP_MT_PER_THREAD_MNK
#define BP_MT_PER_THREAD_MNK (32.0 * 32.0 * 32.0)
#endif

#define BP_T float
#define BP_K bp_skernels
#define BP_FN(x) s_##x
#include "bp_driver_template.h"
#undef BP_T
#undef BP_K
#undef BP_FN

#define BP_T double
#define BP_K bp_dkernels
#define BP_FN(x) d_##x
#include "bp_driver_template.h"
#undef BP_T
#undef BP_K
#undef BP_FN

static atomic_int detected_isa = -1;
static atomic_int forced_isa = -1;

static int detect_isa(void) {
  int isa = atomic_load_explicit(&detected_isa, memory_order_relaxed);
  if (isa >= 0) return isa;
  isa = BP_ISA_GENERIC;
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) isa = BP_ISA_AVX2_FMA;
#endif
  atomic_store_explicit(&detected_isa, isa, memory_order_relaxed);
  return isa;
}

int bp_kernel_isa(void) {
  int f = atomic_load_explicit(&forced_isa, memory_order_relaxed);
  return f >= 0 ? f : detect_isa();
}

int bp_kernel_force_isa(int isa) {
  if (isa == BP_ISA_AVX2_FMA && detect_isa() != BP_ISA_AVX2_FMA) isa = -1;
  if (isa != BP_ISA_GENERIC && isa != BP_ISA_AVX2_FMA) isa = -1;
  atomic_store_explicit(&forced_isa, isa, memory_order_relaxed);
  return bp_kernel_isa();
}

void bp_sgemm(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
              const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float beta,
              float *c, ptrdiff_t ldc, int threads) {
  const bp_skernels *kp = &bp_skernels_generic;
#if defined(__x86_64__)
  if (bp_kernel_isa() == BP_ISA_AVX2_FMA) kp = &bp_skernels_avx2;
#endif
  s_gemm(kp, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
}

void bp_dgemm(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, double alpha,
              const double *a, ptrdiff_t lda, const double *b, ptrdiff_t ldb, double beta,
              double *c, ptrdiff_t ldc, int threads) {
  const bp_dkernels *kp = &bp_dkernels_generic;
#if defined(__x86_64__)
  if (bp_kernel_isa() == BP_ISA_AVX2_FMA) kp = &bp_dkernels_avx2;
#endif
  d_gemm(kp, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
}
