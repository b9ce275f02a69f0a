// SIMD direct (unpacked) loops for small products, instantiated for float and double from
// kernels_avx2.c (ymm vectors, AVX2 + FMA) and kernels_avx512.c (zmm vectors, lane masks).
// Define before including:
//   T, V (vector type), VL (lanes), VI (lane-mask type), SFX(name), SMALL_FN (the entry
//   point's name, declared in bp_gemm_internal.h), SMALL_TARGET (the target attribute
//   string), SMALL_PACK_B (the kernel set's pack_b, whose NR must be 2 * VL)
//   V_ZERO(), V_LOAD(p), V_MLOAD(p, mask), V_STORE(p, v), V_MSTORE(p, mask, v), V_BCAST(p),
//   V_SET1(x), V_FMA(a, b, c), V_MUL(a, b), V_ADD(a, b), V_HSUM(v), MASK(w) (mask of the first w lanes)
// No include guard.

// C[0:R, 0:W] tile of op(A) * B, W = NV vectors (NV = 1 or 2), the last one masked to w
// lanes when MASKED. B(p,j) = b[p*ldb + j]; A(i,p) = a[i*sai + p*sap].
static inline __attribute__((always_inline, target(SMALL_TARGET))) void SFX(nn_tile)(
    const int R, const int NV, const int MASKED, ptrdiff_t w, ptrdiff_t k, T alpha,
    const T *a, ptrdiff_t sai, ptrdiff_t sap, const T *b, ptrdiff_t ldb, T beta, T *c,
    ptrdiff_t ldc) {
  // Thin tiles have too few independent FMA chains to hide the FMA latency: split k over
  // KU accumulator sets.
  const int KU = R * NV <= 2 ? 4 : (R * NV <= 4 ? 2 : 1);
  V acc[4][4][2];
  for (int u = 0; u < KU; u++)
    for (int r = 0; r < R; r++)
      for (int v = 0; v < NV; v++) acc[u][r][v] = V_ZERO();
  VI mk = MASK(MASKED ? w - (NV - 1) * VL : VL);
#define NN_STEP(u, p)                                                                      \
  {                                                                                        \
    const T *bp = b + (p) * ldb;                                                           \
    V bv[2];                                                                               \
    for (int v = 0; v < NV; v++)                                                           \
      bv[v] = MASKED && v == NV - 1 ? V_MLOAD(bp + v * VL, mk) : V_LOAD(bp + v * VL);      \
    const T *ap = a + (p) * sap;                                                           \
    for (int r = 0; r < R; r++) {                                                          \
      V av = V_BCAST(ap + r * sai);                                                        \
      for (int v = 0; v < NV; v++) acc[u][r][v] = V_FMA(av, bv[v], acc[u][r][v]);          \
    }                                                                                      \
  }
  ptrdiff_t p = 0;
  for (; p + KU <= k; p += KU)
    for (int u = 0; u < KU; u++) NN_STEP(u, p + u)
  for (; p < k; p++) NN_STEP(0, p)
#undef NN_STEP
  for (int u = 1; u < KU; u++)
    for (int r = 0; r < R; r++)
      for (int v = 0; v < NV; v++) acc[0][r][v] = V_ADD(acc[0][r][v], acc[u][r][v]);
  V va = V_SET1(alpha), vb = V_SET1(beta);
  for (int r = 0; r < R; r++) {
    T *cr = c + r * ldc;
    for (int v = 0; v < NV; v++) {
      int masked = MASKED && v == NV - 1;
      V x = V_MUL(va, acc[0][r][v]);
      if (beta != 0) x = V_FMA(vb, masked ? V_MLOAD(cr + v * VL, mk) : V_LOAD(cr + v * VL), x);
      if (masked)
        V_MSTORE(cr + v * VL, mk, x);
      else
        V_STORE(cr + v * VL, x);
    }
  }
}

// All column blocks of C[0:R, 0:n] for rows starting at `ai` / `ci`. Column block j (a
// multiple of VL) of B starts at BCOL(j) with row stride BLD.
#define SMALL_COLS(R)                                                                     \
  {                                                                                       \
    ptrdiff_t j0 = 0;                                                                     \
    for (; j0 + 2 * VL <= n; j0 += 2 * VL)                                                \
      SFX(nn_tile)(R, 2, 0, 2 * VL, k, alpha, ai, sai, sap, BCOL(j0), BLD, beta, ci + j0, ldc); \
    if (j0 + VL <= n) {                                                                   \
      SFX(nn_tile)(R, 1, 0, VL, k, alpha, ai, sai, sap, BCOL(j0), BLD, beta, ci + j0, ldc);     \
      j0 += VL;                                                                           \
    }                                                                                     \
    if (j0 < n)                                                                           \
      SFX(nn_tile)(R, 1, 1, n - j0, k, alpha, ai, sai, sap, BCOL(j0), BLD, beta, ci + j0, ldc); \
  }

#define SMALL_ALL_ROWS                                                                    \
  {                                                                                       \
    ptrdiff_t i0 = 0;                                                                     \
    for (; i0 + 4 <= m; i0 += 4) {                                                        \
      const T *ai = a + i0 * sai;                                                         \
      T *ci = c + i0 * ldc;                                                               \
      SMALL_COLS(4)                                                                       \
    }                                                                                     \
    const T *ai = a + i0 * sai;                                                           \
    T *ci = c + i0 * ldc;                                                                 \
    switch (m - i0) {                                                                     \
      case 3: SMALL_COLS(3) break;                                                        \
      case 2: SMALL_COLS(2) break;                                                        \
      case 1: SMALL_COLS(1) break;                                                        \
      default: break;                                                                     \
    }                                                                                     \
  }

// Four dot products C(i, j..j+3) = alpha * <x, B^T row> + beta * C, x contiguous.
static inline __attribute__((always_inline, target(SMALL_TARGET))) void SFX(dot_rows)(
    const int J, ptrdiff_t k, T alpha, const T *x, const T *b, ptrdiff_t ldb, T beta, T *c) {
  V acc[4];
  for (int j = 0; j < J; j++) acc[j] = V_ZERO();
  ptrdiff_t p = 0;
  for (; p + VL <= k; p += VL) {
    V xv = V_LOAD(x + p);
    for (int j = 0; j < J; j++) acc[j] = V_FMA(xv, V_LOAD(b + j * ldb + p), acc[j]);
  }
  if (p < k) {
    VI mk = MASK(k - p);
    V xv = V_MLOAD(x + p, mk);
    for (int j = 0; j < J; j++) acc[j] = V_FMA(xv, V_MLOAD(b + j * ldb + p, mk), acc[j]);
  }
  for (int j = 0; j < J; j++) {
    T s = alpha * V_HSUM(acc[j]);
    c[j] = beta == 0 ? s : s + beta * c[j];
  }
}

__attribute__((target(SMALL_TARGET))) void SMALL_FN(
    int ta, int tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, T alpha, const T *a, ptrdiff_t lda,
    const T *b, ptrdiff_t ldb, T beta, T *c, ptrdiff_t ldc) {
  ptrdiff_t sai = ta ? 1 : lda, sap = ta ? lda : 1;
  if (!tb) {
#define BCOL(j) (b + (j))
#define BLD ldb
    SMALL_ALL_ROWS
#undef BCOL
#undef BLD
    return;
  }
  // B^T with several rows of C: pack B into 2*VL-column slivers (each a k x 2*VL
  // row-major block, zero-padded) and run the same tiles on them.
  T *bs = m > (ta ? 2 : 4) ? bp_scratch((size_t)k * (size_t)((n + 2 * VL - 1) / (2 * VL) * 2 * VL) * sizeof(T))
                : NULL;
  if (bs) {
    SMALL_PACK_B(1, n, k, b, ldb, bs);
#define BCOL(j) (bs + (j) / (2 * VL) * (2 * VL) * k + (j) % (2 * VL))
#define BLD (2 * VL)
    SMALL_ALL_ROWS
#undef BCOL
#undef BLD
    return;
  }
  // B^T, one or two rows: C(i,j) = <op(A) row i, b row j>, contiguous in p (op(A) row
  // copied when ta).
  T xbuf[256];
  for (ptrdiff_t i = 0; i < m; i++) {
    const T *x = a + i * lda;
    if (ta) {
      if (k > 256) {  // rare in this size class: scalar
        for (ptrdiff_t j = 0; j < n; j++) {
          T s = 0;
          for (ptrdiff_t p = 0; p < k; p++) s += a[p * lda + i] * b[j * ldb + p];
          s *= alpha;
          c[i * ldc + j] = beta == 0 ? s : s + beta * c[i * ldc + j];
        }
        continue;
      }
      for (ptrdiff_t p = 0; p < k; p++) xbuf[p] = a[p * lda + i];
      x = xbuf;
    }
    T *ci = c + i * ldc;
    ptrdiff_t j = 0;
    for (; j + 4 <= n; j += 4) SFX(dot_rows)(4, k, alpha, x, b + j * ldb, ldb, beta, ci + j);
    switch (n - j) {
      case 3: SFX(dot_rows)(3, k, alpha, x, b + j * ldb, ldb, beta, ci + j); break;
      case 2: SFX(dot_rows)(2, k, alpha, x, b + j * ldb, ldb, beta, ci + j); break;
      case 1: SFX(dot_rows)(1, k, alpha, x, b + j * ldb, ldb, beta, ci + j); break;
      default: break;
    }
  }
}
#undef SMALL_COLS
#undef SMALL_ALL_ROWS

// The parameters, undefined so that the next instantiation starts clean.
#undef T
#undef V
#undef VI
#undef VL
#undef SFX
#undef SMALL_FN
#undef SMALL_TARGET
#undef SMALL_PACK_B
#undef V_ZERO
#undef V_LOAD
#undef V_MLOAD
#undef V_STORE
#undef V_MSTORE
#undef V_BCAST
#undef V_SET1
#undef V_FMA
#undef V_MUL
#undef V_ADD
#undef V_HSUM
#undef MASK
