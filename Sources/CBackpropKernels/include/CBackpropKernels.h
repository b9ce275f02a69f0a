#ifndef CBACKPROP_KERNELS_H
#define CBACKPROP_KERNELS_H

#include <stddef.h>
#include "CBackpropMath.h"
#include "CBackpropMode.h"
#include "CBackpropBuffers.h"
#include "CBackpropParallel.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Row-major general matrix multiply: C = alpha * op(A) * op(B) + beta * C.
///
/// op(A) is m x k and op(B) is k x n. With `trans_a == 0`, A is stored m x k with row
/// stride `lda`; otherwise A is stored k x m (so op(A) = A^T). The same holds for B.
/// C is m x n with row stride `ldc`. When beta == 0, C is overwritten (NaN in C is not
/// propagated). `threads` is the largest number of threads to use (1 = the caller only,
/// 0 = all cores).
void bp_sgemm(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
              const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float beta,
              float *c, ptrdiff_t ldc, int threads);

/// The double-precision form of `bp_sgemm`.
void bp_dgemm(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, double alpha,
              const double *a, ptrdiff_t lda, const double *b, ptrdiff_t ldb, double beta,
              double *c, ptrdiff_t ldc, int threads);

/// Which kernel path `bp_sgemm` / `bp_dgemm` run, checked once at run time: `BP_ISA_AVX512`
/// when the CPU (and OS) support AVX-512F, else `BP_ISA_AVX2_FMA` when the CPU has AVX2 and
/// FMA, else `BP_ISA_GENERIC` (portable C).
#define BP_ISA_GENERIC 0
#define BP_ISA_AVX2_FMA 1
#define BP_ISA_AVX512 2
int bp_kernel_isa(void);

/// Forces a kernel path (for tests and benchmarks): `BP_ISA_GENERIC`, `BP_ISA_AVX2_FMA`,
/// `BP_ISA_AVX512` (each ignored when the CPU lacks it) or -1 to return to the automatic
/// choice. Returns the path now in use.
int bp_kernel_force_isa(int isa);

/// The number of CPUs this process may run on (what `threads == 0` uses).
int bp_cpu_count(void);

/// σ(x) = 1 / (1 + e^−x) in place on `count` floats, with the inline exponential of
/// CBackpropMath.h, in the widest vectors the CPU has (the same values on every machine).
void bp_sigmoidf_inplace(float *x, ptrdiff_t count);

/// tanh x in place on `count` floats (`bp_tanhf_inline`), in the widest vectors the CPU has.
void bp_tanhf_inplace(float *x, ptrdiff_t count);

/// eˣ in place on `count` floats (`bp_expf_inline`), in the widest vectors the CPU has.
void bp_expf_inplace(float *x, ptrdiff_t count);

/// GELU with the exact Φ, y = x·Φ(x), for `count` floats (`x` and `y` may be the same
/// array), Φ by `bp_normal_cdff_inline`, in the widest vectors the CPU has.
void bp_gelu_erff(const float *x, float *y, ptrdiff_t count);

/// The first-order backward of `bp_gelu_erff`: out = g·(Φ(x) + x·φ(x)),
/// φ(x) = e^(−x²/2)/√(2π) (`out` may be `g`).
void bp_gelu_erf_backwardf(const float *x, const float *g, float *out, ptrdiff_t count);

/// GELU with Φ by its tanh approximation, y = x(1 + tanh(√(2/π)(x + 0.044715x³)))/2, for
/// `count` floats (`y` may be `x`), tanh by `bp_tanhf_inline`.
void bp_gelu_tanhf(const float *x, float *y, ptrdiff_t count);

/// The first-order backward of `bp_gelu_tanhf`: out = g·y′(x) (`out` may be `g`).
void bp_gelu_tanh_backwardf(const float *x, const float *g, float *out, ptrdiff_t count);

/// Softmax of each of `rows` rows of `columns` floats from `x` into `y` (log-softmax when
/// `logarithm` is not 0): the row's maximum subtracted (0 when it is infinite), e by
/// `bp_expf_inline`, divided by the row's sum (summed in 16 lanes, then pairwise). `y` may be
/// `x` for the softmax, not for the log-softmax.
void bp_softmax_rowsf(const float *x, float *y, ptrdiff_t rows, ptrdiff_t columns, int logarithm);

#ifdef __cplusplus
}
#endif

#endif
