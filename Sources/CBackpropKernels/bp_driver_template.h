// GotoBLAS / BLIS-style blocked GEMM driver and its multi-threaded split, instantiated
// once per element type. Define before including:
//   BP_T       element type
//   BP_K       kernel-set struct type (bp_skernels / bp_dkernels)
//   BP_FN(x)   name mangling
// No include guard: included once per type.

// Scales C (m x n) by beta; beta == 0 writes zeros (no NaN propagation).
static void BP_FN(scale_c)(ptrdiff_t m, ptrdiff_t n, BP_T beta, BP_T *c, ptrdiff_t ldc) {
  if (beta == 1) return;
  for (ptrdiff_t i = 0; i < m; i++) {
    BP_T *cr = c + i * ldc;
    if (beta == 0)
      for (ptrdiff_t j = 0; j < n; j++) cr[j] = 0;
    else
      for (ptrdiff_t j = 0; j < n; j++) cr[j] *= beta;
  }
}

// Single-threaded packed path over the whole (sub)problem. Returns 0 when the packing
// scratch could not be allocated (the caller then uses the direct loops).
static int BP_FN(blocked)(const BP_K *kp, int ta, int tb, ptrdiff_t m, ptrdiff_t n,
                          ptrdiff_t k, BP_T alpha, const BP_T *a, ptrdiff_t lda,
                          const BP_T *b, ptrdiff_t ldb, BP_T beta, BP_T *c, ptrdiff_t ldc) {
  const ptrdiff_t MR = kp->mr, NR = kp->nr;
  // Balanced block sizes: split each dimension into equal blocks no larger than the cap,
  // instead of full blocks plus a thin remainder.
  ptrdiff_t nkb = (k + kp->kc - 1) / kp->kc;
  ptrdiff_t KC = (k + nkb - 1) / nkb;
  ptrdiff_t nmb = (m + kp->mc - 1) / kp->mc;
  ptrdiff_t MC = ((m + nmb - 1) / nmb + MR - 1) / MR * MR;
  ptrdiff_t nnb = (n + kp->nc - 1) / kp->nc;
  ptrdiff_t NC = ((n + nnb - 1) / nnb + NR - 1) / NR * NR;

  size_t a_elems = (size_t)MC * (size_t)KC;
  a_elems = (a_elems + 15) & ~(size_t)15;
  size_t b_elems = (size_t)KC * (size_t)NC;
  BP_T *bufa = bp_scratch((a_elems + b_elems) * sizeof(BP_T));
  if (!bufa) return 0;
  BP_T *bufb = bufa + a_elems;

  for (ptrdiff_t jc = 0; jc < n; jc += NC) {
    ptrdiff_t nc = n - jc < NC ? n - jc : NC;
    for (ptrdiff_t pc = 0; pc < k; pc += KC) {
      ptrdiff_t kc = k - pc < KC ? k - pc : KC;
      const BP_T *bsrc = tb ? b + jc * ldb + pc : b + pc * ldb + jc;
      kp->pack_b(tb, nc, kc, bsrc, ldb, bufb);
      BP_T beta_eff = pc == 0 ? beta : (BP_T)1;
      for (ptrdiff_t ic = 0; ic < m; ic += MC) {
        ptrdiff_t mc = m - ic < MC ? m - ic : MC;
        const BP_T *asrc = ta ? a + pc * lda + ic : a + ic * lda + pc;
        kp->pack_a(ta, mc, kc, asrc, lda, bufa);
        for (ptrdiff_t jr = 0; jr < nc; jr += NR) {
          int nr = (int)(nc - jr < NR ? nc - jr : NR);
          const BP_T *bp = bufb + jr * kc;
          BP_T *cc = c + ic * ldc + jc + jr;
          for (ptrdiff_t ir = 0; ir < mc; ir += MR) {
            int mr = (int)(mc - ir < MR ? mc - ir : MR);
            kp->ukr(kc, bufa + ir * kc, bp, cc + ir * ldc, ldc, alpha, beta_eff, mr, nr);
          }
        }
      }
    }
  }
  return 1;
}

static void BP_FN(serial)(const BP_K *kp, int ta, int tb, ptrdiff_t m, ptrdiff_t n,
                          ptrdiff_t k, BP_T alpha, const BP_T *a, ptrdiff_t lda,
                          const BP_T *b, ptrdiff_t ldb, BP_T beta, BP_T *c, ptrdiff_t ldc) {
  double kn = (double)k * (double)n;
  int direct = (double)m * kn <= kp->small_mnk && kn <= kp->small_kn && (!ta || k <= 256);
  if (direct ||
      !BP_FN(blocked)(kp, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
    kp->small(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

typedef struct {
  const BP_K *kp;
  int ta, tb;
  ptrdiff_t m, n, k;
  BP_T alpha, beta;
  const BP_T *a, *b;
  BP_T *c;
  ptrdiff_t lda, ldb, ldc;
  int tm, tn;  // thread grid: tm row chunks x tn column chunks
} BP_FN(job);

static void BP_FN(task)(void *arg, int index, int count) {
  const BP_FN(job) *j = arg;
  (void)count;
  const ptrdiff_t MR = j->kp->mr, NR = j->kp->nr;
  int ti = index / j->tn, tj = index % j->tn;
  ptrdiff_t mu = (j->m + MR - 1) / MR, nu = (j->n + NR - 1) / NR;
  ptrdiff_t i0 = mu * ti / j->tm * MR, i1 = mu * (ti + 1) / j->tm * MR;
  ptrdiff_t j0 = nu * tj / j->tn * NR, j1 = nu * (tj + 1) / j->tn * NR;
  if (i1 > j->m) i1 = j->m;
  if (j1 > j->n) j1 = j->n;
  if (i0 >= i1 || j0 >= j1) return;
  const BP_T *a = j->ta ? j->a + i0 : j->a + i0 * j->lda;
  const BP_T *b = j->tb ? j->b + j0 * j->ldb : j->b + j0;
  BP_FN(serial)(j->kp, j->ta, j->tb, i1 - i0, j1 - j0, j->k, j->alpha, a, j->lda, b, j->ldb,
                j->beta, j->c + i0 * j->ldc + j0, j->ldc);
}

static void BP_FN(gemm)(const BP_K *kp, int ta, int tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                        BP_T alpha, const BP_T *a, ptrdiff_t lda, const BP_T *b, ptrdiff_t ldb,
                        BP_T beta, BP_T *c, ptrdiff_t ldc, int threads) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0) {
    BP_FN(scale_c)(m, n, beta, c, ldc);
    return;
  }
  double work = (double)m * (double)n * (double)k;
  int nt = 1;
  if (threads != 1 && work >= BP_MT_MIN_MNK) {
    int cpus = bp_cpu_count();
    nt = threads <= 0 || threads > cpus ? cpus : threads;
    int pool_max = bp_pool_workers() + 1;
    if (nt > pool_max) nt = pool_max;
    int by_work = (int)(work / BP_MT_PER_THREAD_MNK);
    if (by_work < 2) by_work = 2;
    if (nt > by_work) nt = by_work;
  }
  if (nt > 1) {
    const ptrdiff_t MR = kp->mr, NR = kp->nr;
    ptrdiff_t mu = (m + MR - 1) / MR, nu = (n + NR - 1) / NR;
    // Thread grid tm x tn = nt: the factorization with the smallest per-thread block
    // perimeter (what each thread packs), needing at least one tile per chunk.
    int best_tm = 0;
    double best = 0;
    for (int tm = 1; tm <= nt; tm++) {
      if (nt % tm) continue;
      int tn = nt / tm;
      if (tm > mu || tn > nu) continue;
      double cost = (double)m / tm + (double)n / tn;
      if (!best_tm || cost < best) {
        best = cost;
        best_tm = tm;
      }
    }
    if (best_tm) {
      BP_FN(job) j = {kp, ta, tb, m, n, k, alpha, beta, a, b, c, lda, ldb, ldc,
                      best_tm, nt / best_tm};
      if (bp_pool_run(BP_FN(task), &j, nt)) return;
    }
  }
  BP_FN(serial)(kp, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// The parameters, undefined so that the next instantiation starts clean.
#undef BP_T
#undef BP_K
#undef BP_FN
