// AVX-512 micro-kernels and packing. Like kernels_avx2.c, the file is compiled for baseline
// x86-64 (SwiftPM passes no -march); every function carries target("avx512f") and is only
// reached after the runtime check in gemm.c.
#include "bp_gemm_internal.h"
#include "bp_transpose_avx.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define BP_AVX512 __attribute__((target("avx512f")))

// ---- float: SMR x 32 (2 * SMR zmm accumulators) ----
#ifndef SMR
#define SMR 12
#endif
#ifndef SNR
#define SNR 32
#endif

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
#undef T
#undef V
#undef M
#undef VL
#undef NV
#undef MR
#undef SFX
#undef BP_ATTR
#undef V_ZERO
#undef V_LOAD
#undef V_LOADU
#undef V_MLOADZ
#undef V_STOREU
#undef V_MSTORE
#undef V_SET1
#undef V_FMA
#undef V_MUL
#undef PACK_ROWS

#define BP_T float
#define BP_MR SMR
#define BP_NR SNR
#define BP_ATTR BP_AVX512
#define BP_FN(x) s_##x##_avx512
#define BP_NO_SMALL
#define BP_PACK_A_FULL(trans, kc, src, ld, dst) s_pack_a_full_avx512(trans, kc, src, ld, dst)
#define BP_PACK_BT_FULL(kc, src, ld, dst) s_pack_bt_full_avx512(kc, src, ld, dst)
#include "bp_pack_template.h"
#undef BP_T
#undef BP_MR
#undef BP_NR
#undef BP_ATTR
#undef BP_FN
#undef BP_NO_SMALL
#undef BP_PACK_A_FULL
#undef BP_PACK_BT_FULL

// ---- double: DMR x 16 (2 * DMR zmm accumulators) ----
#ifndef DMR
#define DMR 12
#endif
#ifndef DNR
#define DNR 16
#endif

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
#undef T
#undef V
#undef M
#undef VL
#undef NV
#undef MR
#undef SFX
#undef BP_ATTR
#undef V_ZERO
#undef V_LOAD
#undef V_LOADU
#undef V_MLOADZ
#undef V_STOREU
#undef V_MSTORE
#undef V_SET1
#undef V_FMA
#undef V_MUL
#undef PACK_ROWS

#define BP_T double
#define BP_MR DMR
#define BP_NR DNR
#define BP_ATTR BP_AVX512
#define BP_FN(x) d_##x##_avx512
#define BP_NO_SMALL
#define BP_PACK_A_FULL(trans, kc, src, ld, dst) d_pack_a_full_avx512(trans, kc, src, ld, dst)
#define BP_PACK_BT_FULL(kc, src, ld, dst) d_pack_bt_full_avx512(kc, src, ld, dst)
#include "bp_pack_template.h"
#undef BP_T
#undef BP_MR
#undef BP_NR
#undef BP_ATTR
#undef BP_FN
#undef BP_NO_SMALL
#undef BP_PACK_A_FULL
#undef BP_PACK_BT_FULL

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
#define BP_S512_SMALL_MNK (256.0 * 256.0 * 256.0)
#endif
#ifndef BP_S512_SMALL_KN
#define BP_S512_SMALL_KN (64.0 * 1024.0)
#endif
#ifndef BP_D512_SMALL_MNK
#define BP_D512_SMALL_MNK (256.0 * 256.0 * 256.0)
#endif
#ifndef BP_D512_SMALL_KN
#define BP_D512_SMALL_KN (32.0 * 1024.0)
#endif

const bp_skernels bp_skernels_avx512 = {SMR, SNR, BP_S512_MC, BP_S512_KC, BP_S512_NC,
                                        s_ukr_avx512, s_pack_a_avx512, s_pack_b_avx512,
                                        bp_s_small_avx2, BP_S512_SMALL_MNK, BP_S512_SMALL_KN};
const bp_dkernels bp_dkernels_avx512 = {DMR, DNR, BP_D512_MC, BP_D512_KC, BP_D512_NC,
                                        d_ukr_avx512, d_pack_a_avx512, d_pack_b_avx512,
                                        bp_d_small_avx2, BP_D512_SMALL_MNK, BP_D512_SMALL_KN};

#endif  // __x86_64__
