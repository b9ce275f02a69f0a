#ifndef CBACKPROP_MATH_H
#define CBACKPROP_MATH_H

#include <math.h>

// Elementary functions under names that do not clash with Swift's static members, so
// Backprop's generic code reaches the C library the same way on every platform.
static inline float bp_expf(float x) { return expf(x); }
static inline float bp_logf(float x) { return logf(x); }
static inline float bp_log1pf(float x) { return log1pf(x); }
static inline float bp_expm1f(float x) { return expm1f(x); }
static inline float bp_tanhf(float x) { return tanhf(x); }
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

#endif
