// Packing routines and the small-product direct loops, instantiated once per element type
// and instruction set. Define before including:
//   BP_T          element type (float / double)
//   BP_MR, BP_NR  register tile of the micro-kernel these packings feed
//   BP_ATTR       function attributes (e.g. target("avx2,fma")) or empty
//   BP_FN(name)   name mangling for this instantiation
//   BP_PACK_A_FULL(trans, kc, src, ld, dst)  optional: packs one full MR-row sliver of op(A)
//   BP_PACK_BT_FULL(kc, src, ld, dst)  optional: packs one full NR-column sliver of a
//                 transposed B (B(p,j) = src[j*ld + p]) faster than the generic loop
// No include guard: included several times.

// Edge slivers (fewer than MR rows / NR columns) are zeroed in one contiguous pass, then
// the used part is copied in the source's order: cheaper than a `j < used ? src : 0`
// select per value, which would dominate small products, whose slivers are mostly edge.
static inline BP_ATTR void BP_FN(zero_sliver)(const int width, ptrdiff_t kc, BP_T *restrict dst) {
  for (ptrdiff_t i = 0; i < kc * width; i++) dst[i] = 0;
}

// op(A)[0:mc, 0:kc] -> MR-row slivers, each kc columns of MR values, zero-padded.
// trans == 0: A(i,p) = src[i*ld + p]; trans != 0: A(i,p) = src[p*ld + i].
static BP_ATTR void BP_FN(pack_a)(int trans, ptrdiff_t mc, ptrdiff_t kc, const BP_T *src,
                                  ptrdiff_t ld, BP_T *restrict dst) {
  for (ptrdiff_t i0 = 0; i0 < mc; i0 += BP_MR) {
    ptrdiff_t mr = mc - i0 < BP_MR ? mc - i0 : BP_MR;
#ifdef BP_PACK_A_FULL
    if (mr == BP_MR) {
      BP_PACK_A_FULL(trans, kc, trans ? src + i0 : src + i0 * ld, ld, dst);
      dst += BP_MR * kc;
      continue;
    }
#endif
    if (!trans) {
      const BP_T *s = src + i0 * ld;
      if (mr == BP_MR) {
        const BP_T *rows[BP_MR];
        for (int r = 0; r < BP_MR; r++) rows[r] = s + r * ld;
        ptrdiff_t p = 0;
        for (; p + 4 <= kc; p += 4) {
          for (int q = 0; q < 4; q++)
            for (int r = 0; r < BP_MR; r++) dst[(p + q) * BP_MR + r] = rows[r][p + q];
        }
        for (; p < kc; p++)
          for (int r = 0; r < BP_MR; r++) dst[p * BP_MR + r] = rows[r][p];
      } else {
        BP_FN(zero_sliver)(BP_MR, kc, dst);
        for (ptrdiff_t r = 0; r < mr; r++)
          for (ptrdiff_t p = 0; p < kc; p++) dst[p * BP_MR + r] = s[r * ld + p];
      }
    } else {
      const BP_T *s = src + i0;
      if (mr == BP_MR) {
        for (ptrdiff_t p = 0; p < kc; p++)
          for (int r = 0; r < BP_MR; r++) dst[p * BP_MR + r] = s[p * ld + r];
      } else {
        BP_FN(zero_sliver)(BP_MR, kc, dst);
        for (ptrdiff_t p = 0; p < kc; p++)
          for (ptrdiff_t r = 0; r < mr; r++) dst[p * BP_MR + r] = s[p * ld + r];
      }
    }
    dst += BP_MR * kc;
  }
}

// op(B)[0:kc, 0:nc] -> NR-column slivers, each kc rows of NR values, zero-padded.
// trans == 0: B(p,j) = src[p*ld + j]; trans != 0: B(p,j) = src[j*ld + p].
static BP_ATTR void BP_FN(pack_b)(int trans, ptrdiff_t nc, ptrdiff_t kc, const BP_T *src,
                                  ptrdiff_t ld, BP_T *restrict dst) {
  for (ptrdiff_t j0 = 0; j0 < nc; j0 += BP_NR) {
    ptrdiff_t nr = nc - j0 < BP_NR ? nc - j0 : BP_NR;
    if (!trans) {
      const BP_T *s = src + j0;
      if (nr == BP_NR) {
        for (ptrdiff_t p = 0; p < kc; p++)
          for (int j = 0; j < BP_NR; j++) dst[p * BP_NR + j] = s[p * ld + j];
      } else {
        BP_FN(zero_sliver)(BP_NR, kc, dst);
        for (ptrdiff_t p = 0; p < kc; p++)
          for (ptrdiff_t j = 0; j < nr; j++) dst[p * BP_NR + j] = s[p * ld + j];
      }
    } else {
      const BP_T *s = src + j0 * ld;
#ifdef BP_PACK_BT_FULL
      if (nr == BP_NR) {
        BP_PACK_BT_FULL(kc, s, ld, dst);
      } else
#endif
      if (nr == BP_NR) {
        const BP_T *cols[BP_NR];
        for (int j = 0; j < BP_NR; j++) cols[j] = s + j * ld;
        ptrdiff_t p = 0;
        for (; p + 4 <= kc; p += 4) {
          for (int q = 0; q < 4; q++)
            for (int j = 0; j < BP_NR; j++) dst[(p + q) * BP_NR + j] = cols[j][p + q];
        }
        for (; p < kc; p++)
          for (int j = 0; j < BP_NR; j++) dst[p * BP_NR + j] = cols[j][p];
      } else {
        BP_FN(zero_sliver)(BP_NR, kc, dst);
        for (ptrdiff_t j = 0; j < nr; j++)
          for (ptrdiff_t p = 0; p < kc; p++) dst[p * BP_NR + j] = s[j * ld + p];
      }
    }
    dst += BP_NR * kc;
  }
}

#ifndef BP_NO_SMALL
// Direct loops for small products: no packing, no scratch, no threads.
#define BP_SW 16  // columns of C accumulated per pass
static BP_ATTR void BP_FN(small)(int ta, int tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                                 BP_T alpha, const BP_T *a, ptrdiff_t lda, const BP_T *b,
                                 ptrdiff_t ldb, BP_T beta, BP_T *c, ptrdiff_t ldc) {
  // A(i,p) = a[i*sai + p*sap]
  ptrdiff_t sai = ta ? 1 : lda, sap = ta ? lda : 1;
  if (tb && !ta) {
    // C(i,j) = dot(A row i, B^T row j): both contiguous in p.
    for (ptrdiff_t i = 0; i < m; i++) {
      const BP_T *ar = a + i * lda;
      BP_T *cr = c + i * ldc;
      for (ptrdiff_t j = 0; j < n; j++) {
        const BP_T *br = b + j * ldb;
        BP_T s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        ptrdiff_t p = 0;
        for (; p + 4 <= k; p += 4) {
          s0 += ar[p] * br[p];
          s1 += ar[p + 1] * br[p + 1];
          s2 += ar[p + 2] * br[p + 2];
          s3 += ar[p + 3] * br[p + 3];
        }
        for (; p < k; p++) s0 += ar[p] * br[p];
        BP_T s = alpha * ((s0 + s1) + (s2 + s3));
        cr[j] = beta == 0 ? s : s + beta * cr[j];
      }
    }
    return;
  }
  // B(p,j) = b[p*sbp + j*sbj]
  ptrdiff_t sbp = tb ? 1 : ldb, sbj = tb ? ldb : 1;
  for (ptrdiff_t i = 0; i < m; i++) {
    const BP_T *ar = a + i * sai;
    BP_T *cr = c + i * ldc;
    ptrdiff_t j0 = 0;
    if (sbj == 1) {
      for (; j0 + BP_SW <= n; j0 += BP_SW) {
        BP_T acc[BP_SW];
        for (int j = 0; j < BP_SW; j++) acc[j] = 0;
        for (ptrdiff_t p = 0; p < k; p++) {
          BP_T av = ar[p * sap];
          const BP_T *br = b + p * sbp + j0;
          for (int j = 0; j < BP_SW; j++) acc[j] += av * br[j];
        }
        if (beta == 0)
          for (int j = 0; j < BP_SW; j++) cr[j0 + j] = alpha * acc[j];
        else
          for (int j = 0; j < BP_SW; j++) cr[j0 + j] = alpha * acc[j] + beta * cr[j0 + j];
      }
    }
    for (; j0 < n; j0 += BP_SW) {
      ptrdiff_t w = n - j0 < BP_SW ? n - j0 : BP_SW;
      BP_T acc[BP_SW];
      for (int j = 0; j < BP_SW; j++) acc[j] = 0;
      for (ptrdiff_t p = 0; p < k; p++) {
        BP_T av = ar[p * sap];
        const BP_T *br = b + p * sbp + j0 * sbj;
        for (ptrdiff_t j = 0; j < w; j++) acc[j] += av * br[j * sbj];
      }
      if (beta == 0)
        for (ptrdiff_t j = 0; j < w; j++) cr[j0 + j] = alpha * acc[j];
      else
        for (ptrdiff_t j = 0; j < w; j++) cr[j0 + j] = alpha * acc[j] + beta * cr[j0 + j];
    }
  }
}
#undef BP_SW
#endif  // BP_NO_SMALL

// The parameters, undefined so that the next instantiation starts clean.
#undef BP_T
#undef BP_MR
#undef BP_NR
#undef BP_ATTR
#undef BP_FN
#undef BP_NO_SMALL
#undef BP_PACK_BT_FULL
#undef BP_PACK_A_FULL
