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

// GELU with the exact Φ (`bp_normal_cdff_inline`), forward and first-order backward, written
// as Backprop's `gelu(_:approximation:)` and `geluDerivative` write them on one Float, so
// that the values are those of the scalar formulas (a test compares them bit for bit).
BP_CLONES void bp_gelu_erff(const float *x, float *y, ptrdiff_t count) {
#pragma clang loop vectorize(assume_safety)  // y is x or apart from it (see bp_softmax_rowsf)
    for (ptrdiff_t i = 0; i < count; i++) y[i] = x[i] * bp_normal_cdff_inline(x[i]);
}

BP_CLONES void bp_gelu_erf_backwardf(const float *x, const float *g, float *out, ptrdiff_t count) {
    const float inverse_root_two_pi = (float)0.3989422804014327;  // 1/√(2π)
#pragma clang loop vectorize(assume_safety)  // out is g or apart from it (see bp_softmax_rowsf)
    for (ptrdiff_t i = 0; i < count; i++) {
        float v = x[i];
        float density = inverse_root_two_pi * bp_expf_inline(-0.5f * (v * v));
        out[i] = g[i] * (bp_normal_cdff_inline(v) + v * density);
    }
}

// GELU with Φ by its tanh approximation (GPT-2's), forward and first-order backward, written
// as `gelu(_:approximation:)` and `geluDerivative` write them on one Float (tanh by
// bp_tanhf_inline; the constants rounded from the same doubles): u = c(x + k·x³),
// y = x(1 + tanh u)/2, y′ = (1 + t)/2 + x(1 − t²)·c(1 + 3k·x²)/2.
#define BP_GELU_C ((float)0.7978845608028654)  // √(2/π)
#define BP_GELU_K ((float)0.044715)
#define BP_GELU_3K ((float)(3 * 0.044715))

BP_CLONES void bp_gelu_tanhf(const float *x, float *y, ptrdiff_t count) {
#pragma clang loop vectorize(assume_safety)  // y is x or apart from it (see bp_softmax_rowsf)
    for (ptrdiff_t i = 0; i < count; i++) {
        float v = x[i];
        float t = bp_tanhf_inline(BP_GELU_C * (v + BP_GELU_K * ((v * v) * v)));
        y[i] = v * (1.0f + t) / 2.0f;
    }
}

BP_CLONES void bp_gelu_tanh_backwardf(const float *x, const float *g, float *out, ptrdiff_t count) {
#pragma clang loop vectorize(assume_safety)  // out is g or apart from it
    for (ptrdiff_t i = 0; i < count; i++) {
        float v = x[i];
        float t = bp_tanhf_inline(BP_GELU_C * (v + BP_GELU_K * ((v * v) * v)));
        float du = BP_GELU_C * (BP_GELU_3K * (v * v) + 1.0f);
        out[i] = g[i] * (0.5f * (t + 1.0f) + 0.5f * ((v * (1.0f - t * t)) * du));
    }
}

// Softmax (or, with `logarithm`, log-softmax) of each of `rows` rows of `columns` floats,
// the formula of Backprop's `softmax(alongAxis:)`: the row's maximum subtracted (taken as 0
// where it is infinite), e to the differences by bp_expf_inline, divided by their sum (or
// minus its logarithm). Maxima and sums are kept in 16 lanes, added pairwise at the end, so
// that they run in vectors; a NaN makes its row NaN. `y` is either `x` (the softmax in place)
// or does not overlap it: each element is read before it is written, so the loops that write
// are vectorised without the run-time overlap check, which would send `y == x` to scalar code.
#define BP_LANES 16
BP_CLONES void bp_softmax_rowsf(const float *x, float *y, ptrdiff_t rows, ptrdiff_t columns, int logarithm) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *row = x + r * columns;
        float *out = y + r * columns;
        float lanes[BP_LANES];
        for (int l = 0; l < BP_LANES; l++) lanes[l] = -INFINITY;
        ptrdiff_t j = 0;
        for (; j + BP_LANES <= columns; j += BP_LANES)
            for (int l = 0; l < BP_LANES; l++) lanes[l] = row[j + l] > lanes[l] ? row[j + l] : lanes[l];
        for (; j < columns; j++) lanes[0] = row[j] > lanes[0] ? row[j] : lanes[0];
        for (int width = BP_LANES / 2; width > 0; width /= 2)
            for (int l = 0; l < width; l++) lanes[l] = lanes[l + width] > lanes[l] ? lanes[l + width] : lanes[l];
        float m = isfinite(lanes[0]) ? lanes[0] : 0.0f;

#pragma clang loop vectorize(assume_safety)
        for (j = 0; j < columns; j++) out[j] = bp_expf_inline(row[j] - m);
        for (int l = 0; l < BP_LANES; l++) lanes[l] = 0;
        for (j = 0; j + BP_LANES <= columns; j += BP_LANES)
            for (int l = 0; l < BP_LANES; l++) lanes[l] += out[j + l];
        for (; j < columns; j++) lanes[0] += out[j];
        for (int width = BP_LANES / 2; width > 0; width /= 2)
            for (int l = 0; l < width; l++) lanes[l] += lanes[l + width];
        float sum = lanes[0];

        if (logarithm) {
            float log_sum = logf(sum);
#pragma clang loop vectorize(assume_safety)
            for (j = 0; j < columns; j++) out[j] = (row[j] - m) - log_sum;
        } else {
#pragma clang loop vectorize(assume_safety)
            for (j = 0; j < columns; j++) out[j] = out[j] / sum;
        }
    }
}
