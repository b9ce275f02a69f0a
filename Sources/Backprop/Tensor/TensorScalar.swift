import CBackpropKernels

/// A floating-point type a ``Tensor`` can hold: `Float` or `Double`.
///
/// The protocol gathers the elementary functions and the matrix-multiply kernel that the
/// generic tensor code needs. Generic code in this module is `@inlinable`, so a client that
/// uses `Tensor<Float>` gets a specialised copy compiled for `Float`.
public protocol TensorScalar: BinaryFloatingPoint, Sendable, Codable, LosslessStringConvertible
where RawSignificand: FixedWidthInteger {
    /// eˣ.
    static func exp(_ x: Self) -> Self
    /// The natural logarithm.
    static func log(_ x: Self) -> Self
    /// log(1 + x), accurate for small x.
    static func log1p(_ x: Self) -> Self
    /// eˣ − 1, accurate for small x.
    static func expm1(_ x: Self) -> Self
    /// The hyperbolic tangent.
    static func tanh(_ x: Self) -> Self
    /// xʸ.
    static func pow(_ x: Self, _ y: Self) -> Self
    /// The sine (x in radians).
    static func sin(_ x: Self) -> Self
    /// The cosine (x in radians).
    static func cos(_ x: Self) -> Self
    /// The error function erf x = (2/√π) ∫₀ˣ e^(−t²) dt.
    static func erf(_ x: Self) -> Self
    /// Row-major C = α·op(A)·op(B) + β·C (see `bp_sgemm` in CBackpropKernels).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int, beta: Self,
        c: UnsafeMutablePointer<Self>, ldc: Int, threads: Int)
}

extension Float: TensorScalar {
    @inlinable public static func exp(_ x: Float) -> Float { bp_expf(x) }
    @inlinable public static func log(_ x: Float) -> Float { bp_logf(x) }
    @inlinable public static func log1p(_ x: Float) -> Float { bp_log1pf(x) }
    @inlinable public static func expm1(_ x: Float) -> Float { bp_expm1f(x) }
    @inlinable public static func tanh(_ x: Float) -> Float { bp_tanhf(x) }
    @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { bp_powf(x, y) }
    @inlinable public static func sin(_ x: Float) -> Float { bp_sinf(x) }
    @inlinable public static func cos(_ x: Float) -> Float { bp_cosf(x) }
    @inlinable public static func erf(_ x: Float) -> Float { bp_erff(x) }
    @inlinable public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int
    ) {
        bp_sgemm(
            transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
            Int32(threads))
    }
}

extension Double: TensorScalar {
    @inlinable public static func exp(_ x: Double) -> Double { bp_exp(x) }
    @inlinable public static func log(_ x: Double) -> Double { bp_log(x) }
    @inlinable public static func log1p(_ x: Double) -> Double { bp_log1p(x) }
    @inlinable public static func expm1(_ x: Double) -> Double { bp_expm1(x) }
    @inlinable public static func tanh(_ x: Double) -> Double { bp_tanh(x) }
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double {
        bp_pow(x, y)
    }
    @inlinable public static func sin(_ x: Double) -> Double { bp_sin(x) }
    @inlinable public static func cos(_ x: Double) -> Double { bp_cos(x) }
    @inlinable public static func erf(_ x: Double) -> Double { bp_erf(x) }
    @inlinable public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int, beta: Double,
        c: UnsafeMutablePointer<Double>, ldc: Int, threads: Int
    ) {
        bp_dgemm(
            transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
            Int32(threads))
    }
}
