// The per-thread gradient mode behind Backprop's `GradientMode` (see CBackpropMode.h).
// initial-exec: a direct %fs-relative access instead of a call to __tls_get_addr.

#include "CBackpropMode.h"

static _Thread_local unsigned mode_bits __attribute__((tls_model("initial-exec")));

unsigned bp_gradient_mode_bits(void) { return mode_bits; }

void bp_set_gradient_mode_bits(unsigned bits) { mode_bits = bits; }
