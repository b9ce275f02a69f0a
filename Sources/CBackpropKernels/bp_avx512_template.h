// AVX-512 micro-kernel and full-sliver packers, instantiated for float and double from
// kernels_avx512.c. Define before including:
//   T, V (512-bit vector type), M (its lane-mask type), VL (lanes), NV (vectors per row of
//   the tile), MR (rows), SFX(name), BP_ATTR (the target attribute)
//   V_ZERO(), V_LOAD(p) (aligned), V_LOADU(p), V_MLOADZ(mk, p), V_STOREU(p, v),
//   V_MSTORE(p, mk, v), V_SET1(x), V_FMA(a, b, c), V_MUL(a, b)
//   PACK_ROWS(R, kc, s, ld, dst, ds)  register transposes (bp_transpose_avx.h)
// No include guard.

// C[0:mr, 0:nr] = alpha * Apanel * Bpanel + beta * C (see bp_sukr_fn). The MR x (NV * VL)
// tile is MR * NV zmm accumulators; each k step loads NV vectors of B and broadcasts MR
// values of A. Edge tiles (mr < MR or nr < NV * VL) store through lane masks; rows are
// still indexed by compile-time constants (r < MR, guarded by r < mr) so the accumulators
// stay in registers.
// Every loop over r (< MR) and v (< NV) must be unrolled for the accumulators to live in
// registers; -O2 alone stops short of 24 FMAs per k step and keeps them on the stack.
// The k loop runs two steps per iteration: that halves the loop overhead per step, and
// unrolling further gains nothing more.
#ifndef BP_UNROLL
#if defined(__clang__)
#define BP_UNROLL _Pragma("clang loop unroll(full)")
#define BP_UNROLL_K2 _Pragma("clang loop unroll_count(2)")
#else
#define BP_UNROLL _Pragma("GCC unroll 32")
#define BP_UNROLL_K2 _Pragma("GCC unroll 2")
#endif
#endif

static BP_ATTR void SFX(ukr_avx512)(ptrdiff_t kc, const T *restrict a, const T *restrict b,
                                    T *restrict c, ptrdiff_t ldc, T alpha, T beta, int mr,
                                    int nr) {
  V acc[MR][NV];
  BP_UNROLL
  for (int r = 0; r < MR; r++)
    BP_UNROLL
    for (int v = 0; v < NV; v++) acc[r][v] = V_ZERO();
  BP_UNROLL
  for (int r = 0; r < MR; r++)
    if (r < mr) _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
  BP_UNROLL_K2
  for (ptrdiff_t p = 0; p < kc; p++) {
    V bv[NV];
    BP_UNROLL
    for (int v = 0; v < NV; v++) bv[v] = V_LOAD(b + v * VL);
    BP_UNROLL
    for (int r = 0; r < MR; r++) {
      V av = V_SET1(a[r]);
      BP_UNROLL
      for (int v = 0; v < NV; v++) acc[r][v] = V_FMA(av, bv[v], acc[r][v]);
    }
    a += MR;
    b += NV * VL;
  }
  V va = V_SET1(alpha), vb = V_SET1(beta);
  if (mr == MR && nr == NV * VL) {
    BP_UNROLL
    for (int r = 0; r < MR; r++) {
      T *cr = c + r * ldc;
      BP_UNROLL
      for (int v = 0; v < NV; v++) {
        V x = V_MUL(va, acc[r][v]);
        if (beta == 1)
          x = V_FMA(va, acc[r][v], V_LOADU(cr + v * VL));
        else if (beta != 0)
          x = V_FMA(vb, V_LOADU(cr + v * VL), x);
        V_STOREU(cr + v * VL, x);
      }
    }
    return;
  }
  M mk[NV];
  BP_UNROLL
  for (int v = 0; v < NV; v++) {
    int lanes = nr - v * VL;
    mk[v] = lanes >= VL ? (M)~0u : lanes <= 0 ? (M)0 : (M)((1u << lanes) - 1);
  }
  BP_UNROLL
  for (int r = 0; r < MR; r++) {
    if (r < mr) {
      T *cr = c + r * ldc;
      BP_UNROLL
      for (int v = 0; v < NV; v++) {
        V x = V_MUL(va, acc[r][v]);
        if (beta != 0) x = V_FMA(vb, V_MLOADZ(mk[v], cr + v * VL), x);
        V_MSTORE(cr + v * VL, mk[v], x);
      }
    }
  }
}

// One full MR-row sliver of op(A) (BP_PACK_A_FULL of bp_pack_template.h). Untransposed
// A(i,p) = s[i*ld + p]: register transposes; transposed A(i,p) = s[p*ld + i]: each k step
// is MR contiguous values, copied with masked vector moves.
static BP_ATTR void SFX(pack_a_full_avx512)(int trans, ptrdiff_t kc, const T *s, ptrdiff_t ld,
                                            T *restrict dst) {
  if (!trans) {
    PACK_ROWS(MR, kc, s, ld, dst, MR);
    return;
  }
  enum { AV = (MR + VL - 1) / VL };  // vectors per step
  for (ptrdiff_t p = 0; p < kc; p++) {
    BP_UNROLL
    for (int v = 0; v < AV; v++) {
      int lanes = MR - v * VL;
      M mk = lanes >= VL ? (M)~0u : (M)((1u << lanes) - 1);
      V_MSTORE(dst + p * MR + v * VL, mk, V_MLOADZ(mk, s + p * ld + v * VL));
    }
  }
}

// One full NV*VL-column sliver of a transposed B (B(p,j) = s[j*ld + p]; BP_PACK_BT_FULL).
static BP_ATTR void SFX(pack_bt_full_avx512)(ptrdiff_t kc, const T *s, ptrdiff_t ld,
                                             T *restrict dst) {
  PACK_ROWS(NV * VL, kc, s, ld, dst, NV * VL);
}

// The parameters, undefined so that the next instantiation starts clean.
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
