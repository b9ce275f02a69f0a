// The per-thread gradient mode behind Backprop's `GradientMode` (see CBackpropMode.h).
// initial-exec: a direct %fs-relative access instead of a call to __tls_get_addr.

#include "CBackpropMode.h"

#include <sched.h>
#include <stdatomic.h>

static _Thread_local unsigned mode_bits __attribute__((tls_model("initial-exec")));

unsigned bp_gradient_mode_bits(void) { return mode_bits; }

void bp_set_gradient_mode_bits(unsigned bits) { mode_bits = bits; }

static _Thread_local unsigned thread_token __attribute__((tls_model("initial-exec")));
static _Thread_local unsigned sweep_depth __attribute__((tls_model("initial-exec")));
static atomic_uint next_thread_token = 1;

unsigned bp_thread_token(void) {
    if (__builtin_expect(thread_token == 0, 0)) {
        thread_token = atomic_fetch_add_explicit(&next_thread_token, 1, memory_order_relaxed);
    }
    return thread_token;
}

unsigned bp_sweep_enter(void) { return ++sweep_depth; }

void bp_sweep_exit(void) { --sweep_depth; }

void bp_yield_thread(void) { sched_yield(); }

static _Thread_local const void *op_context __attribute__((tls_model("initial-exec")));

const void *bp_op_context(void) { return op_context; }

const void *bp_set_op_context(const void *context) {
    const void *previous = op_context;
    op_context = context;
    return previous;
}
