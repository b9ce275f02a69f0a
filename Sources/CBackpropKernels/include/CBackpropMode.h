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

#ifdef __cplusplus
}
#endif

#endif
