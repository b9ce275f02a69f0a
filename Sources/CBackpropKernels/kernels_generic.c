// Portable micro-kernels and packing: plain C that the compiler vectorizes for the
// baseline ISA (SSE2 on x86-64, NEON on aarch64). Used when AVX2 + FMA is unavailable.
#include "bp_gemm_internal.h"

#define BP_GENERIC_UKR(NAME, T, MR, NR)                                                    \
  static void NAME(ptrdiff_t kc, const T *restrict a, const T *restrict b, T *restrict c,  \
                   ptrdiff_t ldc, T alpha, T beta, int mr, int nr) {                       \
    T acc[MR][NR];                                                                         \
    for (int r = 0; r < MR; r++)                                                           \
      for (int j = 0; j < NR; j++) acc[r][j] = 0;                                          \
    for (ptrdiff_t p = 0; p < kc; p++) {                                                   \
      for (int r = 0; r < MR; r++) {                                                       \
        T av = a[r];                                                                       \
        for (int j = 0; j < NR; j++) acc[r][j] += av * b[j];                               \
      }                                                                                    \
      a += MR;                                                                             \
      b += NR;                                                                             \
    }                                                                                      \
    if (mr == MR && nr == NR) {                                                            \
      for (int r = 0; r < MR; r++) {                                                       \
        T *cr = c + r * ldc;                                                               \
        if (beta == 0)                                                                     \
          for (int j = 0; j < NR; j++) cr[j] = alpha * acc[r][j];                          \
        else                                                                               \
          for (int j = 0; j < NR; j++) cr[j] = alpha * acc[r][j] + beta * cr[j];           \
      }                                                                                    \
      return;                                                                              \
    }                                                                                      \
    for (int r = 0; r < mr; r++) {                                                         \
      T *cr = c + r * ldc;                                                                 \
      if (beta == 0)                                                                       \
        for (int j = 0; j < nr; j++) cr[j] = alpha * acc[r][j];                            \
      else                                                                                 \
        for (int j = 0; j < nr; j++) cr[j] = alpha * acc[r][j] + beta * cr[j];             \
    }                                                                                      \
  }

#define SMR 4
#define SNR 8
#define DMR 4
#define DNR 4

BP_GENERIC_UKR(s_ukr_generic, float, SMR, SNR)
BP_GENERIC_UKR(d_ukr_generic, double, DMR, DNR)

#define BP_T float
#define BP_MR SMR
#define BP_NR SNR
#define BP_ATTR
#define BP_FN(x) s_##x##_generic
#include "bp_pack_template.h"
#undef BP_T
#undef BP_MR
#undef BP_NR
#undef BP_ATTR
#undef BP_FN

#define BP_T double
#define BP_MR DMR
#define BP_NR DNR
#define BP_ATTR
#define BP_FN(x) d_##x##_generic
#include "bp_pack_template.h"
#undef BP_T
#undef BP_MR
#undef BP_NR
#undef BP_ATTR
#undef BP_FN

const bp_skernels bp_skernels_generic = {SMR, SNR, 128, 256, 2048,
                                         s_ukr_generic, s_pack_a_generic, s_pack_b_generic,
                                         s_small_generic, 24.0 * 24.0 * 24.0, 1e300};
const bp_dkernels bp_dkernels_generic = {DMR, DNR, 64, 256, 2048,
                                         d_ukr_generic, d_pack_a_generic, d_pack_b_generic,
                                         d_small_generic, 24.0 * 24.0 * 24.0, 1e300};
