// A small per-thread cache of large tensor blocks (see CBackpropBuffers.h).

#include "CBackpropBuffers.h"

#include <pthread.h>
#include <stdlib.h>

enum { slot_count = 64 };
static const size_t cache_limit = (size_t)64 << 20;

struct cache {
    void *block[slot_count];
    size_t size[slot_count];
    size_t bytes;
    int registered;
};

static _Thread_local struct cache cache __attribute__((tls_model("initial-exec")));
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

static void release_all(void *unused) {
    (void)unused;
    for (int i = 0; i < slot_count; i++) {
        free(cache.block[i]);
        cache.block[i] = NULL;
        cache.size[i] = 0;
    }
    cache.bytes = 0;
}

static void make_exit_key(void) { pthread_key_create(&exit_key, release_all); }

static size_t rounded(size_t bytes) { return (bytes + 4095) & ~(size_t)4095; }

void *bp_buffer_allocate(size_t bytes) {
    size_t size = rounded(bytes);
    for (int i = 0; i < slot_count; i++) {
        if (cache.block[i] != NULL && cache.size[i] == size) {
            void *block = cache.block[i];
            cache.block[i] = NULL;
            cache.size[i] = 0;
            cache.bytes -= size;
            return block;
        }
    }
    void *block = NULL;
    if (posix_memalign(&block, 64, size) != 0) return NULL;
    return block;
}

void bp_buffer_release(void *block, size_t bytes) {
    if (block == NULL) return;
    size_t size = rounded(bytes);
    if (cache.bytes + size <= cache_limit) {
        for (int i = 0; i < slot_count; i++) {
            if (cache.block[i] == NULL) {
                if (!cache.registered) {
                    // A destructor that frees the cache when the thread exits.
                    pthread_once(&exit_key_once, make_exit_key);
                    pthread_setspecific(exit_key, &cache);
                    cache.registered = 1;
                }
                cache.block[i] = block;
                cache.size[i] = size;
                cache.bytes += size;
                return;
            }
        }
    }
    free(block);
}
