// GEMM entry points: runtime ISA dispatch, the direct / packed choice and the threading
// threshold.
//
// Design (see bp_driver_template.h, kernels_avx512.c, kernels_avx2.c, kernels_generic.c,
// pool.c):
// - Three kernel sets, chosen once at run time: AVX-512 (kernels_avx512.c), AVX2 + FMA
//   (kernels_avx2.c) and portable C (kernels_generic.c). Each is a micro-kernel, its
//   packing routines, direct loops, cache blocks and direct / packed limits (bp_skernels /
//   bp_dkernels); the driver below is shared.
// - Packed path (GotoBLAS / BLIS loop order jc -> pc -> ic -> jr -> ir): op(B) panels of
//   KC x NC packed into NR-column slivers, op(A) blocks of MC x KC into MR-row slivers
//   (transposes are absorbed by the packing), then an MR x NR register-tiled micro-kernel.
//   Block sizes are balanced (equal blocks no larger than the caps).
//   AVX-512: float 12 x 32, double 12 x 16 (24 zmm accumulators, edge tiles stored through
//   lane masks), MC 240 / 120, KC 256, NC 2048. AVX2 + FMA: float 5 x 16 (10 ymm
//   accumulators), MC 240, KC 256, NC 2048; double 5 x 8, MC 120, KC 256, NC 2048.
//   Portable: 4 x 8 float / 4 x 4 double on 16-byte vector-extension types.
// - Direct path for small products (no packing of A; B^T packed for 3+ rows): register
//   tiles of up to 4 rows x 2 vectors read straight from row-major B with masked tails
//   (bp_small_template.h, on ymm for AVX2 and zmm for AVX-512). On AVX2 it is also used
//   for mid sizes while B stays in L2 (k*n*sizeof <= 256 KB and m*n*k <= 256^3); on
//   AVX-512, whose packed path gains more over the direct loops, only up to
//   m*n*k <= 128^3 (k*n*sizeof <= 512 KB). The AVX-512 set hands narrow products (rows of
//   up to 8 floats / 4 doubles, or short dot products) to the AVX2 loops, which are faster
//   there (see s_small_avx512 in kernels_avx512.c).
// - Tiny products (below 8192 multiply-adds float, 4096 double) run on the AVX2 kernels
//   even when AVX-512 is available: 512-bit instructions slow down the code that follows
//   them for a while by more than zmm saves on such a product (see BP_S_AVX512_MIN_MNK).
// - Threads: C split into a grid of chunks (tm x tn = threads, along the larger side),
//   claimed by the caller and the persistent pool's workers (pool.c); each chunk runs the
//   serial path with thread-local packing scratch.
// - Dispatch: __builtin_cpu_supports("avx512f") (reported only when the OS saves the zmm
//   state) on top of "avx2" && "fma", cached; the AVX2 and AVX-512 code is compiled from
//   target attributes only, so the package needs no compiler flags.
#include "CBackpropKernels.h"
#include "bp_gemm_internal.h"

#include <stdatomic.h>

// Multi-threading starts at this m*n*k, with at least this much work per thread.
// A sleeping worker costs the caller only the wake-up call: the caller then runs the
// chunks the worker has not claimed. On its own, a product gains from a second thread well
// below this size. In training, though, such products come between other work, and a
// worker spins for the next call, competing with the caller and with other processes on
// the machine: mid-sized products (a small MLP's) gain nothing from the pool and lose on a
// shared machine. So the pool starts where a product is long enough to pay for it.
#ifndef BP_MT_MIN_MNK
#define BP_MT_MIN_MNK (96.0 * 96.0 * 96.0)
#endif
#ifndef BP_MT_PER_THREAD_MNK
#define BP_MT_PER_THREAD_MNK (32.0 * 32.0 * 32.0)
#endif

#define BP_T float
#define BP_K bp_skernels
#define BP_FN(x) s_##x
#include "bp_driver_template.h"

#define BP_T double
#define BP_K bp_dkernels
#define BP_FN(x) d_##x
#include "bp_driver_template.h"

// Products below this many multiply-adds run on the AVX2 kernels even when AVX-512 is
// available. After 512-bit instructions the core runs the SSE code that follows (Swift's,
// for one) slower for a while (Intel keeps port 1's vector unit off while 512-bit uops are
// about), so a tiny product that is a little faster in zmm makes the code around it slower
// by more than it saves. These are the sizes from which the zmm loops pay for that
// slowdown, counted in the code that follows; doubles pay sooner than floats.
#ifndef BP_S_AVX512_MIN_MNK
#define BP_S_AVX512_MIN_MNK 8192
#endif
#ifndef BP_D_AVX512_MIN_MNK
#define BP_D_AVX512_MIN_MNK 4096
#endif

// m * n * k < limit (m, n, k >= 0; limit <= 2^20): the product is formed only when all
// three are below 2^20, where it cannot overflow.
static inline int bp_mnk_below(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, ptrdiff_t limit) {
  return ((m | n | k) >> 20) == 0 && m * n * k < limit;
}

static atomic_int detected_isa = -1;
static atomic_int forced_isa = -1;

static int detect_isa(void) {
  int isa = atomic_load_explicit(&detected_isa, memory_order_relaxed);
  if (isa >= 0) return isa;
  isa = BP_ISA_GENERIC;
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    isa = BP_ISA_AVX2_FMA;
    // compiler-rt and libgcc report avx512f only when the OS also saves the zmm state
    // (XCR0): an OS without AVX-512 support gets the AVX2 kernels.
    if (__builtin_cpu_supports("avx512f")) isa = BP_ISA_AVX512;
  }
#endif
  atomic_store_explicit(&detected_isa, isa, memory_order_relaxed);
  return isa;
}

int bp_kernel_isa(void) {
  int f = atomic_load_explicit(&forced_isa, memory_order_relaxed);
  return f >= 0 ? f : detect_isa();
}

int bp_kernel_force_isa(int isa) {
  // detect_isa() is the highest path the CPU runs, and every lower one runs too (AVX-512
  // is only chosen on top of AVX2 + FMA).
  if (isa != BP_ISA_GENERIC && isa != BP_ISA_AVX2_FMA && isa != BP_ISA_AVX512) isa = -1;
  if (isa > detect_isa()) isa = -1;
  atomic_store_explicit(&forced_isa, isa, memory_order_relaxed);
  return bp_kernel_isa();
}

void bp_sgemm(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
              const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float beta,
              float *c, ptrdiff_t ldc, int threads) {
  const bp_skernels *kp = &bp_skernels_generic;
#if defined(__x86_64__)
  int isa = bp_kernel_isa();
  if (isa >= BP_ISA_AVX2_FMA)
    kp = isa == BP_ISA_AVX512 && !bp_mnk_below(m, n, k, BP_S_AVX512_MIN_MNK)
             ? &bp_skernels_avx512
             : &bp_skernels_avx2;
#endif
  s_gemm(kp, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
}

void bp_dgemm(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, double alpha,
              const double *a, ptrdiff_t lda, const double *b, ptrdiff_t ldb, double beta,
              double *c, ptrdiff_t ldc, int threads) {
  const bp_dkernels *kp = &bp_dkernels_generic;
#if defined(__x86_64__)
  int isa = bp_kernel_isa();
  if (isa >= BP_ISA_AVX2_FMA)
    kp = isa == BP_ISA_AVX512 && !bp_mnk_below(m, n, k, BP_D_AVX512_MIN_MNK)
             ? &bp_dkernels_avx512
             : &bp_dkernels_avx2;
#endif
  d_gemm(kp, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
}
