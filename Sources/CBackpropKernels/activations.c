// eˣ, σ and tanh over arrays in single precision, compiled once per instruction set (AVX-512,
// AVX2, baseline x86-64: `target_clones`, chosen once when the library loads), so that the
// inline exponential and tanh of CBackpropMath.h run 16, 8 or 4 lanes wide. Contraction
// into fused multiply-adds is off, so every clone rounds as the baseline does and as
// Backprop's Swift element loops do: the values do not depend on the machine.
#pragma STDC FP_CONTRACT OFF
#include "CBackpropMath.h"
#include "CBackpropKernels.h"

#if defined(__x86_64__) && defined(__linux__)
#define BP_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define BP_CLONES
#endif

BP_CLONES void bp_sigmoidf_inplace(float *x, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) {
        float v = x[i];
        float e = bp_expf_inline(-fabsf(v));  // e^−|v| ≤ 1; NaN stays NaN and fails v >= 0
        x[i] = v >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
    }
}

BP_CLONES void bp_tanhf_inplace(float *x, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) x[i] = bp_tanhf_inline(x[i]);
}

BP_CLONES void bp_expf_inplace(float *x, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) x[i] = bp_expf_inline(x[i]);
}
