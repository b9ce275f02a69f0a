// AVX2 + FMA direct (unpacked) loops for small products, instantiated for float and
// double from kernels_avx2.c. Define before including:
//   T, V (vector type), VL (lanes), VI (mask vector type), SFX(name)
//   V_ZERO(), V_LOAD(p), V_MLOAD(p, mask), V_STORE(p, v), V_MSTORE(p, mask, v), V_BCAST(p),
//   V_SET1(x), V_FMA(a, b, c), V_MUL(a, b), V_HSUM(v), MASK(w) (mask of the first w lanes)
// No include guard.

// C[0:R, j0:j0+W] tile (W = 2*VL when FULL, else w <= 2*VL) of op(A) * B with B row-major
// (B(p,j) = b[p*ldb + j]); A(i,p) = a[i*sai + p*sap].
static inline __attribute__((always_inline, target("avx2,fma"))) void SFX(nn_tile)(
    const int R, const int FULL, ptrdiff_t w, ptrdiff_t k, T alpha, const T *a, ptrdiff_t sai,
    ptrdiff_t sap, const T *b, ptrdiff_t ldb, T beta, T *c, ptrdiff_t ldc) {
  V acc0[4], acc1[4];
  for (int r = 0; r < R; r++) acc0[r] = acc1[r] = V_ZERO();
  VI m0 = MASK(FULL ? VL : (w < VL ? w : VL));
  VI m1 = MASK(FULL ? VL : (w > VL ? w - VL : 0));
  for (ptrdiff_t p = 0; p < k; p++) {
    const T *bp = b + p * ldb;
    V b0 = FULL ? V_LOAD(bp) : V_MLOAD(bp, m0);
    V b1 = FULL ? V_LOAD(bp + VL) : V_MLOAD(bp + VL, m1);
    const T *ap = a + p * sap;
    for (int r = 0; r < R; r++) {
      V av = V_BCAST(ap + r * sai);
      acc0[r] = V_FMA(av, b0, acc0[r]);
      acc1[r] = V_FMA(av, b1, acc1[r]);
    }
  }
  V va = V_SET1(alpha), vb = V_SET1(beta);
  for (int r = 0; r < R; r++) {
    T *cr = c + r * ldc;
    V r0 = V_MUL(va, acc0[r]), r1 = V_MUL(va, acc1[r]);
    if (beta != 0) {
      r0 = V_FMA(vb, FULL ? V_LOAD(cr) : V_MLOAD(cr, m0), r0);
      r1 = V_FMA(vb, FULL ? V_LOAD(cr + VL) : V_MLOAD(cr + VL, m1), r1);
    }
    if (FULL) {
      V_STORE(cr, r0);
      V_STORE(cr + VL, r1);
    } else {
      V_MSTORE(cr, m0, r0);
      V_MSTORE(cr + VL, m1, r1);
    }
  }
}

#define SMALL_ROWS(R)                                                                     \
  for (; j0 + 2 * VL <= n; j0 += 2 * VL)                                                 \
    SFX(nn_tile)(R, 1, 2 * VL, k, alpha, ai, sai, sap, b + j0, ldb, beta, ci + j0, ldc); \
  if (j0 < n) SFX(nn_tile)(R, 0, n - j0, k, alpha, ai, sai, sap, b + j0, ldb, beta, ci + j0, ldc);

// Four dot products C(i, j..j+3) = alpha * <x, B^T row> + beta * C, x contiguous.
static inline __attribute__((always_inline, target("avx2,fma"))) void SFX(dot_rows)(
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

static __attribute__((target("avx2,fma"))) void SFX(small_avx2_direct)(
    int ta, int tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, T alpha, const T *a, ptrdiff_t lda,
    const T *b, ptrdiff_t ldb, T beta, T *c, ptrdiff_t ldc) {
  ptrdiff_t sai = ta ? 1 : lda, sap = ta ? lda : 1;
  if (!tb) {
    ptrdiff_t i0 = 0;
    for (; i0 + 4 <= m; i0 += 4) {
      const T *ai = a + i0 * sai;
      T *ci = c + i0 * ldc;
      ptrdiff_t j0 = 0;
      SMALL_ROWS(4)
    }
    const T *ai = a + i0 * sai;
    T *ci = c + i0 * ldc;
    ptrdiff_t j0 = 0;
    switch (m - i0) {
      case 3: SMALL_ROWS(3) break;
      case 2: SMALL_ROWS(2) break;
      case 1: SMALL_ROWS(1) break;
      default: break;
    }
    return;
  }
  // B^T with several rows of C: pack B into 2*VL-column slivers (each a k x 2*VL
  // row-major block) and run the row-major tile loop on them.
  T *bs = m > 8 ? bp_scratch((size_t)k * (size_t)((n + 2 * VL - 1) / (2 * VL) * 2 * VL) * sizeof(T))
                 : NULL;
  if (bs) {
    SFX(pack_b_avx2)(1, n, k, b, ldb, bs);
    for (ptrdiff_t j0 = 0; j0 < n; j0 += 2 * VL) {
      const T *bj = bs + j0 * k;
      ptrdiff_t w = n - j0;
      ptrdiff_t i0 = 0;
      if (w >= 2 * VL) {
        for (; i0 + 4 <= m; i0 += 4)
          SFX(nn_tile)(4, 1, w, k, alpha, a + i0 * sai, sai, sap, bj, 2 * VL, beta, c + i0 * ldc + j0, ldc);
        switch (m - i0) {
          case 3: SFX(nn_tile)(3, 1, w, k, alpha, a + i0 * sai, sai, sap, bj, 2 * VL, beta, c + i0 * ldc + j0, ldc); break;
          case 2: SFX(nn_tile)(2, 1, w, k, alpha, a + i0 * sai, sai, sap, bj, 2 * VL, beta, c + i0 * ldc + j0, ldc); break;
          case 1: SFX(nn_tile)(1, 1, w, k, alpha, a + i0 * sai, sai, sap, bj, 2 * VL, beta, c + i0 * ldc + j0, ldc); break;
          default: break;
        }
      } else {
        for (; i0 + 4 <= m; i0 += 4)
          SFX(nn_tile)(4, 0, w, k, alpha, a + i0 * sai, sai, sap, bj, 2 * VL, beta, c + i0 * ldc + j0, ldc);
        switch (m - i0) {
          case 3: SFX(nn_tile)(3, 0, w, k, alpha, a + i0 * sai, sai, sap, bj, 2 * VL, beta, c + i0 * ldc + j0, ldc); break;
          case 2: SFX(nn_tile)(2, 0, w, k, alpha, a + i0 * sai, sai, sap, bj, 2 * VL, beta, c + i0 * ldc + j0, ldc); break;
          case 1: SFX(nn_tile)(1, 0, w, k, alpha, a + i0 * sai, sai, sap, bj, 2 * VL, beta, c + i0 * ldc + j0, ldc); break;
          default: break;
        }
      }
    }
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
#undef SMALL_ROWS
