// The per-thread gradient mode behind Backprop's `GradientMode` (see CBackpropMode.h).
// initial-exec: a direct %fs-relative access instead of a call to __tls_get_addr.

#include "CBackpropMode.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <stdatomic.h>

static _Thread_local unsigned mode_bits __attribute__((tls_model("initial-exec")));

unsigned bp_gradient_mode_bits(void) { return mode_bits; }

void bp_set_gradient_mode_bits(unsigned bits) { mode_bits = bits; }

_Thread_local unsigned bp_thread_token_value __attribute__((tls_model("initial-exec")));
static atomic_uint next_thread_token = 1;
_Atomic(unsigned long long) bp_change_clock = 0;

unsigned bp_thread_token_assign(void) {
    bp_thread_token_value = atomic_fetch_add_explicit(&next_thread_token, 1, memory_order_relaxed);
    return bp_thread_token_value;
}


void bp_yield_thread(void) { sched_yield(); }

static _Thread_local const void *op_context __attribute__((tls_model("initial-exec")));

const void *bp_op_context(void) { return op_context; }

const void *bp_set_op_context(const void *context) {
    const void *previous = op_context;
    op_context = context;
    return previous;
}

static _Thread_local unsigned sweep_depth __attribute__((tls_model("initial-exec")));

// The spare sweep buffer: a thread-local pointer, and a pthread key whose destructor frees
// the buffer when the thread exits.
static _Thread_local void *sweep_buffer __attribute__((tls_model("initial-exec")));
static _Thread_local long sweep_buffer_bytes __attribute__((tls_model("initial-exec")));
static _Thread_local void *sweep_buffer_registered __attribute__((tls_model("initial-exec")));
static pthread_key_t sweep_buffer_key;
static pthread_once_t sweep_buffer_once = PTHREAD_ONCE_INIT;

static void free_sweep_buffer(void *buffer) { free(buffer); }
static void make_sweep_buffer_key(void) { pthread_key_create(&sweep_buffer_key, free_sweep_buffer); }

unsigned bp_sweep_enter(void **buffer, long *bytes) {
    *buffer = sweep_buffer;
    *bytes = sweep_buffer_bytes;
    sweep_buffer = 0;
    sweep_buffer_bytes = 0;
    return ++sweep_depth;
}

void bp_sweep_exit(void *buffer, long bytes) {
    --sweep_depth;
    if (sweep_buffer != 0) {
        if (sweep_buffer_bytes >= bytes) {
            free(buffer);
            return;
        }
        free(sweep_buffer);
    }
    sweep_buffer = buffer;
    sweep_buffer_bytes = bytes;
    if (buffer != sweep_buffer_registered) {
        pthread_once(&sweep_buffer_once, make_sweep_buffer_key);
        pthread_setspecific(sweep_buffer_key, buffer);
        sweep_buffer_registered = buffer;
    }
}

