// Private declarations shared by the GEMM driver (gemm.c), the per-ISA kernel files and
// the thread pool. Not part of the public module interface.
#ifndef BP_GEMM_INTERNAL_H
#define BP_GEMM_INTERNAL_H

#include <stddef.h>

// Micro-kernel: C[0:mr, 0:nr] = alpha * Apanel * Bpanel + beta * C (beta == 0 overwrites).
// `a` is an MR x kc sliver packed column by column (MR values per k step), `b` a kc x NR
// sliver packed row by row (NR values per k step); both are zero-padded to MR / NR.
typedef void (*bp_sukr_fn)(ptrdiff_t kc, const float *a, const float *b, float *c,
                           ptrdiff_t ldc, float alpha, float beta, int mr, int nr);
typedef void (*bp_dukr_fn)(ptrdiff_t kc, const double *a, const double *b, double *c,
                           ptrdiff_t ldc, double alpha, double beta, int mr, int nr);

// Packing of op(A)[0:mc, 0:kc] (pointer at its top-left element) into MR-row slivers and
// op(B)[0:kc, 0:nc] into NR-column slivers.
typedef void (*bp_spack_fn)(int trans, ptrdiff_t rows, ptrdiff_t kc, const float *src,
                            ptrdiff_t ld, float *dst);
typedef void (*bp_dpack_fn)(int trans, ptrdiff_t rows, ptrdiff_t kc, const double *src,
                            ptrdiff_t ld, double *dst);

// Unpacked direct loops for small products (the full bp_?gemm contract, minus threads,
// with m, n, k > 0 and alpha != 0).
typedef void (*bp_ssmall_fn)(int ta, int tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                             float alpha, const float *a, ptrdiff_t lda, const float *b,
                             ptrdiff_t ldb, float beta, float *c, ptrdiff_t ldc);
typedef void (*bp_dsmall_fn)(int ta, int tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                             double alpha, const double *a, ptrdiff_t lda, const double *b,
                             ptrdiff_t ldb, double beta, double *c, ptrdiff_t ldc);

typedef struct {
  int mr, nr;       // register tile
  int mc, kc, nc;   // cache blocks (mc a multiple of mr, nc a multiple of nr)
  bp_sukr_fn ukr;
  bp_spack_fn pack_a, pack_b;
  bp_ssmall_fn small;
  // The direct loops run when m*n*k <= small_mnk and k*n <= small_kn (and k <= 256
  // when A is transposed); the packed path otherwise.
  double small_mnk, small_kn;
} bp_skernels;

typedef struct {
  int mr, nr;
  int mc, kc, nc;
  bp_dukr_fn ukr;
  bp_dpack_fn pack_a, pack_b;
  bp_dsmall_fn small;
  // The direct loops run when m*n*k <= small_mnk and k*n <= small_kn (and k <= 256
  // when A is transposed); the packed path otherwise.
  double small_mnk, small_kn;
} bp_dkernels;

extern const bp_skernels bp_skernels_generic;
extern const bp_dkernels bp_dkernels_generic;
#if defined(__x86_64__)
extern const bp_skernels bp_skernels_avx2;
extern const bp_dkernels bp_dkernels_avx2;
extern const bp_skernels bp_skernels_avx512;
extern const bp_dkernels bp_dkernels_avx512;
// The SIMD direct loops (bp_small_template.h) on ymm (kernels_avx2.c) and zmm
// (kernels_avx512.c); the AVX-512 kernel sets call both. Hidden: calls within the library
// need no GOT indirection.
#define BP_HIDDEN __attribute__((visibility("hidden")))
BP_HIDDEN void bp_s_small_avx2(int ta, int tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                               float alpha, const float *a, ptrdiff_t lda, const float *b,
                               ptrdiff_t ldb, float beta, float *c, ptrdiff_t ldc);
BP_HIDDEN void bp_d_small_avx2(int ta, int tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                               double alpha, const double *a, ptrdiff_t lda, const double *b,
                               ptrdiff_t ldb, double beta, double *c, ptrdiff_t ldc);
BP_HIDDEN void bp_s_small_avx512(int ta, int tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                                 float alpha, const float *a, ptrdiff_t lda, const float *b,
                                 ptrdiff_t ldb, float beta, float *c, ptrdiff_t ldc);
BP_HIDDEN void bp_d_small_avx512(int ta, int tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                                 double alpha, const double *a, ptrdiff_t lda,
                                 const double *b, ptrdiff_t ldb, double beta, double *c,
                                 ptrdiff_t ldc);
#endif

// Persistent worker pool. Runs fn(arg, i, count) once for each i in 0..<count, on the
// calling thread and any workers that are awake to claim a chunk (a sleeping worker never
// delays the caller, which runs whatever is left). Returns 0 (without running anything)
// when the pool is busy with another caller or has no workers: the caller then runs the
// work itself.
typedef void (*bp_task_fn)(void *arg, int index, int count);
int bp_pool_run(bp_task_fn fn, void *arg, int count);
int bp_pool_workers(void);

// Thread-local, 64-byte aligned scratch of at least `bytes`, reused across calls.
// Returns NULL on allocation failure.
void *bp_scratch(size_t bytes);

#endif
