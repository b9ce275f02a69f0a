// Persistent worker pool for the GEMM driver, thread-local packing scratch and the CPU
// count. Workers are created lazily on first parallel use, spin briefly on an atomic
// after each job (so back-to-back calls wake them in well under a microsecond), then
// sleep on a condition variable.
#define _GNU_SOURCE
#include "bp_gemm_internal.h"
#include "CBackpropKernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <emmintrin.h>
#define BP_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define BP_RELAX() __asm__ __volatile__("yield")
#else
#define BP_RELAX() ((void)0)
#endif

#define BP_MAX_WORKERS 63
// Pause iterations a worker spins after a job before sleeping (~50-100 us).
#define BP_SPIN 4000

// ---- CPU count ----

static atomic_int cpu_count_cache;

int bp_cpu_count(void) {
  int n = atomic_load_explicit(&cpu_count_cache, memory_order_relaxed);
  if (n > 0) return n;
  n = 0;
#if defined(__linux__) && defined(CPU_COUNT)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) n = CPU_COUNT(&set);
#endif
  if (n <= 0) {
    long s = sysconf(_SC_NPROCESSORS_ONLN);
    n = s > 0 ? (int)s : 1;
  }
  if (n > BP_MAX_WORKERS + 1) n = BP_MAX_WORKERS + 1;
  atomic_store_explicit(&cpu_count_cache, n, memory_order_relaxed);
  return n;
}

// ---- pool ----

typedef struct {
  _Alignas(64) atomic_uint go;  // latest generation published to this worker
  char pad[60];
} bp_slot;

// A job is `count` chunks that the caller and the workers claim one at a time, so a worker
// that wakes late simply finds nothing left and the caller never waits on a sleeping
// thread. `state` packs generation (high 32 bits), chunk count (16) and next chunk (16):
// a claim is a CAS that fails once the generation has moved on.
static struct {
  pthread_mutex_t run_lock;  // held by the one caller using the pool
  pthread_mutex_t m;         // guards `sleepers` and the condition variable
  pthread_cond_t cv;
  int sleepers;
  int nworkers;
  unsigned gen;  // last generation handed out (under run_lock)
  bp_task_fn fn;
  void *arg;
  _Alignas(64) _Atomic unsigned long long state;
  _Alignas(64) atomic_int done;
  bp_slot slot[BP_MAX_WORKERS];
} pool = {
    .run_lock = PTHREAD_MUTEX_INITIALIZER,
    .m = PTHREAD_MUTEX_INITIALIZER,
    .cv = PTHREAD_COND_INITIALIZER,
};

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

// Claims and runs chunks of generation `gen` until none is left. Returns how many ran.
static int pool_claim_and_run(unsigned gen) {
  int ran = 0;
  unsigned long long s = atomic_load_explicit(&pool.state, memory_order_acquire);
  for (;;) {
    if ((unsigned)(s >> 32) != gen) break;
    int idx = (int)(s & 0xffff), cnt = (int)((s >> 16) & 0xffff);
    if (idx >= cnt) break;
    if (!atomic_compare_exchange_weak_explicit(&pool.state, &s, s + 1, memory_order_acq_rel,
                                               memory_order_acquire))
      continue;
    // The generation cannot complete before this chunk does, so fn / arg are still its.
    pool.fn(pool.arg, idx, cnt);
    atomic_fetch_add_explicit(&pool.done, 1, memory_order_acq_rel);
    ran++;
    s = atomic_load_explicit(&pool.state, memory_order_acquire);
  }
  return ran;
}

static void *pool_worker(void *p) {
  atomic_uint *go = &pool.slot[(size_t)p].go;
  unsigned seen = 0;
  for (;;) {
    unsigned g = atomic_load_explicit(go, memory_order_acquire);
    for (int i = 0; g == seen && i < BP_SPIN; i++) {
      BP_RELAX();
      g = atomic_load_explicit(go, memory_order_acquire);
    }
    if (g == seen) {
      pthread_mutex_lock(&pool.m);
      while ((g = atomic_load_explicit(go, memory_order_acquire)) == seen) {
        pool.sleepers++;
        pthread_cond_wait(&pool.cv, &pool.m);
        pool.sleepers--;
      }
      pthread_mutex_unlock(&pool.m);
    }
    seen = g;
    pool_claim_and_run(g);
  }
  return NULL;
}

static void pool_init(void) {
  int want = bp_cpu_count() - 1;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  int made = 0;
  for (int w = 0; w < want; w++) {
    pthread_t t;
    if (pthread_create(&t, &attr, pool_worker, (void *)(size_t)w) != 0) break;
    made++;
  }
  pthread_attr_destroy(&attr);
  pool.nworkers = made;
}

int bp_pool_workers(void) {
  pthread_once(&pool_once, pool_init);
  return pool.nworkers;
}

int bp_pool_run(bp_task_fn fn, void *arg, int count) {
  if (count < 2 || count > 0xffff) return 0;
  pthread_once(&pool_once, pool_init);
  if (pool.nworkers == 0) return 0;
  if (pthread_mutex_trylock(&pool.run_lock) != 0) return 0;  // busy: caller runs alone
  pool.fn = fn;
  pool.arg = arg;
  atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
  unsigned g = ++pool.gen;
  if (g == 0) g = ++pool.gen;  // 0 is every worker's initial "seen"
  atomic_store_explicit(&pool.state,
                        ((unsigned long long)g << 32) | ((unsigned long long)count << 16),
                        memory_order_release);
  int helpers = count - 1 < pool.nworkers ? count - 1 : pool.nworkers;
  for (int w = 0; w < helpers; w++)
    atomic_store_explicit(&pool.slot[w].go, g, memory_order_release);
  pthread_mutex_lock(&pool.m);
  if (pool.sleepers) pthread_cond_broadcast(&pool.cv);
  pthread_mutex_unlock(&pool.m);

  pool_claim_and_run(g);

  // Only chunks already being run by a worker remain: wait for them.
  for (unsigned i = 0; atomic_load_explicit(&pool.done, memory_order_acquire) != count; i++) {
    if (i < 100000)
      BP_RELAX();
    else
      sched_yield();
  }
  pthread_mutex_unlock(&pool.run_lock);
  return 1;
}

// ---- scratch ----

typedef struct {
  void *p;
  size_t cap;
} bp_buf;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_key_ok;

static void scratch_free(void *v) {
  bp_buf *b = v;
  if (b) {
    free(b->p);
    free(b);
  }
}

static void scratch_init(void) { scratch_key_ok = pthread_key_create(&scratch_key, scratch_free) == 0; }

void *bp_scratch(size_t bytes) {
  pthread_once(&scratch_once, scratch_init);
  if (!scratch_key_ok) return NULL;
  bp_buf *b = pthread_getspecific(scratch_key);
  if (!b) {
    b = calloc(1, sizeof *b);
    if (!b) return NULL;
    if (pthread_setspecific(scratch_key, b) != 0) {
      free(b);
      return NULL;
    }
  }
  if (b->cap < bytes) {
    size_t cap = bytes + bytes / 4;
    void *p = NULL;
    if (posix_memalign(&p, 64, cap) != 0) return NULL;
    free(b->p);
    b->p = p;
    b->cap = cap;
  }
  return b->p;
}
