// Portable micro-kernels and packing: plain C that the compiler vectorizes for the
// baseline ISA (SSE2 on x86-64, NEON on aarch64). Used when AVX2 + FMA is unavailable.
#include "bp_gemm_internal.h"

// 16-byte vectors through the GCC / Clang vector extension: SSE2 on x86-64, NEON on
// aarch64, with no intrinsics and no target flags.
typedef float bp_v4f __attribute__((vector_size(16), may_alias, aligned(16)));
typedef double bp_v2d __attribute__((vector_size(16), may_alias, aligned(16)));

// MR x NR tile with NR = 2 vectors; acc[r][0..1] hold row r.
#define BP_GENERIC_UKR(NAME, T, VT, VN, MR)                                                \
  static void NAME(ptrdiff_t kc, const T *restrict a, const T *restrict b, T *restrict c,  \
                   ptrdiff_t ldc, T alpha, T beta, int mr, int nr) {                       \
    enum { NR = 2 * VN };                                                                  \
    VT acc0[MR], acc1[MR];                                                                 \
    for (int r = 0; r < MR; r++) acc0[r] = acc1[r] = (VT){0};                              \
    for (ptrdiff_t p = 0; p < kc; p++) {                                                   \
      VT b0 = *(const VT *)b, b1 = *(const VT *)(b + VN);                                  \
      for (int r = 0; r < MR; r++) {                                                       \
        acc0[r] += a[r] * b0;                                                              \
        acc1[r] += a[r] * b1;                                                              \
      }                                                                                    \
      a += MR;                                                                             \
      b += NR;                                                                             \
    }                                                                                      \
    T t[MR * NR] __attribute__((aligned(16)));                                             \
    for (int r = 0; r < MR; r++) {                                                         \
      *(VT *)(t + r * NR) = acc0[r] * alpha;                                               \
      *(VT *)(t + r * NR + VN) = acc1[r] * alpha;                                          \
    }                                                                                      \
    for (int r = 0; r < mr; r++) {                                                         \
      T *cr = c + r * ldc;                                                                 \
      const T *tr = t + r * NR;                                                            \
      if (beta == 0)                                                                       \
        for (int j = 0; j < nr; j++) cr[j] = tr[j];                                        \
      else                                                                                 \
        for (int j = 0; j < nr; j++) cr[j] = tr[j] + beta * cr[j];                         \
    }                                                                                      \
  }

#define SMR 4
#define SNR 8
#define DMR 4
#define DNR 4

BP_GENERIC_UKR(s_ukr_generic, float, bp_v4f, 4, SMR)
BP_GENERIC_UKR(d_ukr_generic, double, bp_v2d, 2, DMR)

#define BP_T float
#define BP_MR SMR
#define BP_NR SNR
#define BP_ATTR
#define BP_FN(x) s_##x##_generic
#include "bp_pack_template.h"

#define BP_T double
#define BP_MR DMR
#define BP_NR DNR
#define BP_ATTR
#define BP_FN(x) d_##x##_generic
#include "bp_pack_template.h"

const bp_skernels bp_skernels_generic = {SMR, SNR, 128, 256, 2048,
                                         s_ukr_generic, s_pack_a_generic, s_pack_b_generic,
                                         s_small_generic, 24.0 * 24.0 * 24.0, 1e300};
const bp_dkernels bp_dkernels_generic = {DMR, DNR, 64, 256, 2048,
                                         d_ukr_generic, d_pack_a_generic, d_pack_b_generic,
                                         d_small_generic, 24.0 * 24.0 * 24.0, 1e300};
