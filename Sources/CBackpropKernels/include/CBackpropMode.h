#ifndef CBACKPROP_MODE_H
#define CBACKPROP_MODE_H

#ifdef __cplusplus
extern "C" {
#endif

/// The gradient mode of the calling thread as bits: `BP_MODE_NOT_RECORDING` inside
/// `withoutGradients`, `BP_MODE_DETECTING_ANOMALIES` inside `withAnomalyDetection`; 0 (the
/// default: recording, no checks) on a thread that never set it.
///
/// A C thread-local because every op reads it: an initial-exec thread-local read is a
/// couple of instructions, where a Swift task-local read goes through the concurrency
/// runtime's dynamic lookups on every op.
#define BP_MODE_NOT_RECORDING 1u
#define BP_MODE_DETECTING_ANOMALIES 2u
unsigned bp_gradient_mode_bits(void);

/// Sets the calling thread's gradient mode bits.
void bp_set_gradient_mode_bits(unsigned bits);

/// A number naming the calling thread, never 0 and never given to another thread (taken
/// from a process-wide counter on the thread's first call). Graph nodes record the thread
/// that made them: only that thread keeps sweep state on a node, so sweeps on other
/// threads never read or write it. Inline: every op records it.
extern _Thread_local unsigned bp_thread_token_value __attribute__((tls_model("initial-exec")));
unsigned bp_thread_token_assign(void);
static inline unsigned bp_thread_token(void) {
    unsigned token = bp_thread_token_value;
    return __builtin_expect(token != 0, 1) ? token : bp_thread_token_assign();
}

/// The change clock: a process-wide count of changes to variables' values. A node records
/// the clock when it is made, and a change to a value stamps the variable with a new tick,
/// so an input stamped after its consumer was made has changed since the consumer read it.
/// Reading is a plain load; a tick is one atomic increment (values change between steps,
/// not per op).
extern _Atomic(unsigned long long) bp_change_clock;
static inline unsigned long long bp_change_clock_now(void) {
    return __c11_atomic_load(&bp_change_clock, __ATOMIC_RELAXED);
}
static inline unsigned long long bp_change_clock_tick(void) {
    return __c11_atomic_fetch_add(&bp_change_clock, 1, __ATOMIC_RELAXED) + 1;
}

/// Enters a reverse sweep on the calling thread and returns its depth there (1 for a sweep
/// that no other sweep on this thread encloses, 2 for one run inside a pullback of that
/// sweep, …). Hands the sweep the thread's spare buffer (`*buffer`, `*bytes`; NULL and 0
/// when it has none, or an enclosing sweep is using it). Each call is paired with
/// `bp_sweep_exit`.
unsigned bp_sweep_enter(void **buffer, long *bytes);

/// Leaves the innermost reverse sweep of the calling thread and gives its buffer back: the
/// thread keeps the larger of it and the one it holds (if any) and frees the other; the
/// one it keeps is freed at thread exit.
void bp_sweep_exit(void *buffer, long bytes);

/// The innermost op context of the calling thread (an opaque pointer Backprop sets while a
/// custom op's forward or backward runs, so a misuse report names the custom op), or NULL.
const void *bp_op_context(void);

/// Sets the calling thread's op context; returns the previous one.
const void *bp_set_op_context(const void *context);

/// Lets another thread run (`sched_yield`): the wait of a contended leaf-gradient lock.
void bp_yield_thread(void);

#ifdef __cplusplus
}
#endif

#endif
