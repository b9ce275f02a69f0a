#ifndef CBACKPROP_MATH_H
#define CBACKPROP_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

// Elementary functions under names that do not clash with Swift's static members, so
// Backprop's generic code reaches the C library the same way on every platform.
static inline float bp_expf(float x) { return expf(x); }
static inline float bp_tanhf(float x) { return tanhf(x); }
static inline float bp_logf(float x) { return logf(x); }
static inline float bp_log1pf(float x) { return log1pf(x); }
static inline float bp_expm1f(float x) { return expm1f(x); }
static inline float bp_powf(float x, float y) { return powf(x, y); }
static inline double bp_exp(double x) { return exp(x); }
static inline double bp_log(double x) { return log(x); }
static inline double bp_log1p(double x) { return log1p(x); }
static inline double bp_expm1(double x) { return expm1(x); }
static inline double bp_tanh(double x) { return tanh(x); }
static inline double bp_pow(double x, double y) { return pow(x, y); }
static inline double bp_cos(double x) { return cos(x); }
static inline float bp_sinf(float x) { return sinf(x); }
static inline float bp_cosf(float x) { return cosf(x); }
static inline float bp_erff(float x) { return erff(x); }
static inline double bp_sin(double x) { return sin(x); }
static inline double bp_erf(double x) { return erf(x); }
static inline double bp_erfc(double x) { return erfc(x); }


// Inline single-precision forms for element loops that vectorise.

static inline float bp_float_from_bits(int32_t bits) { float f; memcpy(&f, &bits, 4); return f; }
static inline int32_t bp_bits_from_float(float f) { int32_t bits; memcpy(&bits, &f, 4); return bits; }

// eˣ in single precision without a call into the C library, so that a loop calling it
// compiles to vector code (Backprop's activation loops use it; one element at a time, the
// C library's expf, which uses FMA where the CPU has it, is faster, so bp_expf stays). Range reduction x = n·ln 2 + r with |r| ≤ ln 2 / 2 (ln 2 split
// in two, Cody and Waite), e^r by Cephes' degree-6 polynomial, then 2ⁿ applied as two
// powers of two made from exponent bits, so results down to the subnormals and the
// overflow to +∞ come out right. Selects only, no branches. Within 1 ulp of the correctly
// rounded value over every float (checked exhaustively); NaN stays NaN.
static inline float bp_expf_inline(float x) {
    const float shifter = 12582912.0f;  // 1.5 · 2²³: adding it rounds to an integer
    // Below −104 the result rounds to 0: it is selected at the end, and the computation runs
    // on 0 instead, because building it from −104 makes subnormal intermediates, which cost
    // a hundred cycles each (a softmax over masked scores has half its inputs at −∞).
    int32_t zero = x < -104.0f;
    float clamped = zero ? 0.0f : fminf(x, 89.0f);
    float t = clamped * 1.44269504088896341f + shifter;
    float n = t - shifter;
    int32_t k = bp_bits_from_float(t) - bp_bits_from_float(shifter);
    float r = clamped - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * (r * r) + r + 1.0f;
    int32_t k1 = k >> 1, k2 = k - k1;
    y = y * bp_float_from_bits((k1 + 127) << 23) * bp_float_from_bits((k2 + 127) << 23);
    return x != x ? x : (zero ? 0.0f : y);
}

// Φ(x), the standard normal distribution function, in single precision for element loops
// that vectorise: ½ erfc(|x|/√2) by the Chebyshev fit of Numerical Recipes' erfcc
// (fractional error below 1.2e-7 in exact arithmetic) with bp_expf_inline, taken as it is
// for x < 0 and from 1 for x ≥ 0. Relative error within 1.3e-6 for |x| ≤ 3 and 2e-5 down to
// the smallest normal result (x ≈ −13; the rounding of z² grows with z); the form
// ½(1 + erf(x/√2)) loses all digits there to cancellation. NaN stays NaN.
static inline float bp_normal_cdff_inline(float x) {
    float z = fabsf(x) * 0.70710678118654752f;
    float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    float tail = 0.5f * t * bp_expf_inline(p - z * z);  // ½ erfc(|x|/√2)
    float phi = x >= 0 ? 1.0f - tail : tail;
    return x != x ? x : phi;
}

// tanh x in single precision from bp_expf_inline, for the same reason (vector loops): for
// |x| ≥ 0.625, 1 − 2 / (e^{2|x|} + 1), where no digits cancel; below, Cephes' odd
// polynomial. The sign is copied from x (so −0 stays −0); NaN stays NaN. Within 1.5 ulp.
static inline float bp_tanhf_inline(float x) {
    float a = fabsf(x);
    // Each form is computed on inputs clamped to where it may be chosen (and z is 0 below
    // 2⁻¹², where tanh x rounds to x), so that neither works on subnormals, which cost a
    // hundred times more cycles each.
    float large = 1.0f - 2.0f / (bp_expf_inline(2.0f * fmaxf(a, 0.5f)) + 1.0f);
    float z = a < 0x1p-12f ? 0.0f : fminf(a, 0.625f) * fminf(a, 0.625f);
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float small = p * z * a + a;
    return copysignf(a >= 0.625f ? large : small, x);  // NaN fails the test: small, NaN
}

#endif
