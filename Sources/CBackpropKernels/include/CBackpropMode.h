#ifndef CBACKPROP_MODE_H
#define CBACKPROP_MODE_H

#ifdef __cplusplus
extern "C" {
#endif

/// The gradient mode of the calling thread as bits: `BP_MODE_NOT_RECORDING` inside
/// `withoutGradients`, `BP_MODE_DETECTING_ANOMALIES` inside `withAnomalyDetection`; 0 (the
/// default: recording, no checks) on a thread that never set it.
///
/// A thread-local in C because every op reads it: this is two instructions, where a Swift
/// task-local read costs two dynamic TLS lookups in the concurrency runtime (about 5 % of a
/// small training step).
#define BP_MODE_NOT_RECORDING 1u
#define BP_MODE_DETECTING_ANOMALIES 2u
unsigned bp_gradient_mode_bits(void);

/// Sets the calling thread's gradient mode bits.
void bp_set_gradient_mode_bits(unsigned bits);

/// A number naming the calling thread, never 0 and never given to another thread (taken
/// from a process-wide counter on the thread's first call). Graph nodes record the thread
/// that made them: only that thread keeps sweep state on a node, so sweeps on other
/// threads never read or write it.
unsigned bp_thread_token(void);

/// Enters a reverse sweep on the calling thread and returns its depth there (1 for a sweep
/// that no other sweep on this thread encloses, 2 for one run inside a pullback of that
/// sweep, …). Each call is paired with `bp_sweep_exit`.
unsigned bp_sweep_enter(void);

/// Leaves the innermost reverse sweep of the calling thread.
void bp_sweep_exit(void);

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
