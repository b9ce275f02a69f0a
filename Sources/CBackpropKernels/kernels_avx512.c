// AVX-512 micro-kernels, packing and direct loops. Like kernels_avx2.c, the file is
// compiled for baseline x86-64 (SwiftPM passes no -march); every function carries
// target("avx512f") (only AVX-512F instructions are used: zmm FMAs, lane masks, and AVX
// shuffles in the packers) and is only reached after the runtime check in gemm.c.
//
// The choices below are the fastest of the alternatives tried, sized for a core with a
// 48 KB L1d and a 2 MB L2:
// - Tiles: float 12 x 32 and double 12 x 16, i.e. 24 zmm accumulators, 2 B vectors and a
//   broadcast per k step (27 of the 32 zmm registers, no spills). Taller tiles
//   (14 x 32 / 14 x 16) and 8 x 24 double are no faster; wider ones (8 x 48, 6 x 64 float)
//   are slower on A*B^T, whose wider B^T slivers are then packed by the generic loops.
// - Cache blocks: MC 240 / 120 rows (A block 240 KB in L2), KC 256 (the 12 x 32 B sliver,
//   32 KB, stays in L1 across an MC block), NC 2048: the AVX2 blocks, as the speed is flat
//   over a wide range of MC and KC around them.
// - Packing: full slivers through register transposes (bp_transpose_avx.h) or masked
//   moves, faster than the generic loops.
// - Direct loops: the small-product template on zmm vectors; with them a product is
//   unpacked up to m*n*k = 128^3 (and k*n <= 128K floats / 64K doubles, 512 KB, within
//   L2), where skipping the packing saves more than the packed kernel's higher peak gains;
//   above that the packed path wins (and it suffers less when the other core is busy). The
//   AVX2 direct loops (kernels_avx2.c) still take narrow products (see s_small_avx512), and
//   tiny products never reach this file (see gemm.c).
#include "bp_gemm_internal.h"
#include "bp_transpose_avx.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define BP_AVX512 __attribute__((target("avx512f")))

// ---- float: 12 x 32 (24 zmm accumulators) ----
#define SMR 12
#define SNR 32
// The direct loops pack B^T with s_pack_b_avx512 into 2 * VL-column slivers.
_Static_assert(SNR == 2 * 16, "float NR must be two zmm vectors");

#define T float
#define V __m512
#define M __mmask16
#define VL 16
#define NV (SNR / 16)
#define MR SMR
#define SFX(x) s_##x
#define BP_ATTR BP_AVX512
#define V_ZERO() _mm512_setzero_ps()
#define V_LOAD(p) _mm512_load_ps(p)
#define V_LOADU(p) _mm512_loadu_ps(p)
#define V_MLOADZ(mk, p) _mm512_maskz_loadu_ps(mk, p)
#define V_STOREU(p, v) _mm512_storeu_ps(p, v)
#define V_MSTORE(p, mk, v) _mm512_mask_storeu_ps(p, mk, v)
#define V_SET1(x) _mm512_set1_ps(x)
#define V_FMA(x, y, z) _mm512_fmadd_ps(x, y, z)
#define V_MUL(x, y) _mm512_mul_ps(x, y)
#define PACK_ROWS bp_s_pack_rows
#include "bp_avx512_template.h"

#define BP_T float
#define BP_MR SMR
#define BP_NR SNR
#define BP_ATTR BP_AVX512
#define BP_FN(x) s_##x##_avx512
#define BP_NO_SMALL
#define BP_PACK_A_FULL(trans, kc, src, ld, dst) s_pack_a_full_avx512(trans, kc, src, ld, dst)
#define BP_PACK_BT_FULL(kc, src, ld, dst) s_pack_bt_full_avx512(kc, src, ld, dst)
#include "bp_pack_template.h"

// ---- double: 12 x 16 (24 zmm accumulators) ----
#define DMR 12
#define DNR 16
_Static_assert(DNR == 2 * 8, "double NR must be two zmm vectors");

#define T double
#define V __m512d
#define M __mmask8
#define VL 8
#define NV (DNR / 8)
#define MR DMR
#define SFX(x) d_##x
#define BP_ATTR BP_AVX512
#define V_ZERO() _mm512_setzero_pd()
#define V_LOAD(p) _mm512_load_pd(p)
#define V_LOADU(p) _mm512_loadu_pd(p)
#define V_MLOADZ(mk, p) _mm512_maskz_loadu_pd(mk, p)
#define V_STOREU(p, v) _mm512_storeu_pd(p, v)
#define V_MSTORE(p, mk, v) _mm512_mask_storeu_pd(p, mk, v)
#define V_SET1(x) _mm512_set1_pd(x)
#define V_FMA(x, y, z) _mm512_fmadd_pd(x, y, z)
#define V_MUL(x, y) _mm512_mul_pd(x, y)
#define PACK_ROWS bp_d_pack_rows
#include "bp_avx512_template.h"

#define BP_T double
#define BP_MR DMR
#define BP_NR DNR
#define BP_ATTR BP_AVX512
#define BP_FN(x) d_##x##_avx512
#define BP_NO_SMALL
#define BP_PACK_A_FULL(trans, kc, src, ld, dst) d_pack_a_full_avx512(trans, kc, src, ld, dst)
#define BP_PACK_BT_FULL(kc, src, ld, dst) d_pack_bt_full_avx512(kc, src, ld, dst)
#include "bp_pack_template.h"

// ---- direct (unpacked) loops for small products: the SIMD template on zmm vectors ----
#define SMALL_TARGET "avx512f"
#define T float
#define V __m512
#define VI __mmask16
#define VL 16
#define SFX(x) s_##x
#define SMALL_FN bp_s_small_avx512
#define SMALL_PACK_B s_pack_b_avx512
#define V_ZERO() _mm512_setzero_ps()
#define V_LOAD(p) _mm512_loadu_ps(p)
#define V_MLOAD(p, mk) _mm512_maskz_loadu_ps(mk, p)
#define V_STORE(p, v) _mm512_storeu_ps(p, v)
#define V_MSTORE(p, mk, v) _mm512_mask_storeu_ps(p, mk, v)
#define V_BCAST(p) _mm512_set1_ps(*(p))
#define V_SET1(x) _mm512_set1_ps(x)
#define V_FMA(x, y, z) _mm512_fmadd_ps(x, y, z)
#define V_MUL(x, y) _mm512_mul_ps(x, y)
#define V_ADD(x, y) _mm512_add_ps(x, y)
#define V_HSUM(v) _mm512_reduce_add_ps(v)
#define MASK(w) ((__mmask16)((1u << (w)) - 1))
#include "bp_small_template.h"

#define SMALL_TARGET "avx512f"
#define T double
#define V __m512d
#define VI __mmask8
#define VL 8
#define SFX(x) d_##x
#define SMALL_FN bp_d_small_avx512
#define SMALL_PACK_B d_pack_b_avx512
#define V_ZERO() _mm512_setzero_pd()
#define V_LOAD(p) _mm512_loadu_pd(p)
#define V_MLOAD(p, mk) _mm512_maskz_loadu_pd(mk, p)
#define V_STORE(p, v) _mm512_storeu_pd(p, v)
#define V_MSTORE(p, mk, v) _mm512_mask_storeu_pd(p, mk, v)
#define V_BCAST(p) _mm512_set1_pd(*(p))
#define V_SET1(x) _mm512_set1_pd(x)
#define V_FMA(x, y, z) _mm512_fmadd_pd(x, y, z)
#define V_MUL(x, y) _mm512_mul_pd(x, y)
#define V_ADD(x, y) _mm512_add_pd(x, y)
#define V_HSUM(v) _mm512_reduce_add_pd(v)
#define MASK(w) ((__mmask8)((1u << (w)) - 1))
#include "bp_small_template.h"

// The direct loops of this kernel set: the zmm ones above, except when the dimension they
// vectorize is short (tiny products never get here: gemm.c keeps them on the AVX2 kernels,
// away from 512-bit instructions). That dimension is n for the tile loops, but k for the
// dot products that bp_small_template.h uses when B is transposed and C has few rows
// (m <= 4, or <= 2 when A is transposed too). The AVX2 loops are the faster ones when:
// - n fits in one ymm (8 floats / 4 doubles): one masked zmm does the work of one ymm,
//   more slowly.
// - a dot product has k up to 32 floats / 16 doubles (four ymm vectors): the zmm
//   horizontal sums cost more than the wider steps gain. Longer dot products are faster on
//   zmm.
#define BP_NARROW(ta, tb, m, n, k, vl) ((tb) && (m) <= ((ta) ? 2 : 4) ? (k) <= 4 * (vl) : (n) <= (vl))
static void s_small_avx512(int ta, int tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                           const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                           float beta, float *c, ptrdiff_t ldc) {
  if (BP_NARROW(ta, tb, m, n, k, 8))
    bp_s_small_avx2(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    bp_s_small_avx512(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
static void d_small_avx512(int ta, int tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, double alpha,
                           const double *a, ptrdiff_t lda, const double *b, ptrdiff_t ldb,
                           double beta, double *c, ptrdiff_t ldc) {
  if (BP_NARROW(ta, tb, m, n, k, 4))
    bp_d_small_avx2(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    bp_d_small_avx512(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
#undef BP_NARROW

// Cache blocks and the direct-loop limits (see the top of the file).
#ifndef BP_S512_MC
#define BP_S512_MC 240
#endif
#ifndef BP_S512_KC
#define BP_S512_KC 256
#endif
#ifndef BP_S512_NC
#define BP_S512_NC 2048
#endif
#ifndef BP_D512_MC
#define BP_D512_MC 120
#endif
#ifndef BP_D512_KC
#define BP_D512_KC 256
#endif
#ifndef BP_D512_NC
#define BP_D512_NC 2048
#endif

#ifndef BP_S512_SMALL_MNK
#define BP_S512_SMALL_MNK (128.0 * 128.0 * 128.0)
#endif
#ifndef BP_S512_SMALL_KN
#define BP_S512_SMALL_KN (128.0 * 1024.0)
#endif
#ifndef BP_D512_SMALL_MNK
#define BP_D512_SMALL_MNK (128.0 * 128.0 * 128.0)
#endif
#ifndef BP_D512_SMALL_KN
#define BP_D512_SMALL_KN (64.0 * 1024.0)
#endif

const bp_skernels bp_skernels_avx512 = {SMR, SNR, BP_S512_MC, BP_S512_KC, BP_S512_NC,
                                        s_ukr_avx512, s_pack_a_avx512, s_pack_b_avx512,
                                        s_small_avx512, BP_S512_SMALL_MNK, BP_S512_SMALL_KN};
const bp_dkernels bp_dkernels_avx512 = {DMR, DNR, BP_D512_MC, BP_D512_KC, BP_D512_NC,
                                        d_ukr_avx512, d_pack_a_avx512, d_pack_b_avx512,
                                        d_small_avx512, BP_D512_SMALL_MNK, BP_D512_SMALL_KN};

#endif  // __x86_64__
