import CBackpropKernels

// The activations: one family, each case defined once by f and by f′ written in terms of
// the output y = f(u). Everything that applies one (the `Variable` ops, the fused `dense`,
// the layers of BackpropNN) keeps only y and never evaluates f again in backward.

/// An activation function, applied element-wise (softmax: along the last axis), whose
/// derivative is computed from its output alone.
///
/// | case | f(u) | f′(u) from y = f(u) |
/// |---|---|---|
/// | `identity` | u | 1 |
/// | `sigmoid` | 1 / (1 + e⁻ᵘ) | y(1 − y) |
/// | `tanh` | tanh u | 1 − y² |
/// | `relu` | max(u, 0) | 1 where y > 0, else 0 (0 at the kink) |
/// | `leakyRelu` | u for u > 0, else 0.01 u | 1 where y > 0, else 0.01 (0.01 at the kink) |
/// | `softplus` | ln(1 + eᵘ) | σ(u) = 1 − e⁻ʸ |
/// | `softmax` | e^uₖ / Σⱼ e^uⱼ along the last axis | ∇u = y ⊙ (∇y − Σₖ yₖ ∇yₖ) |
///
/// NaN stays NaN, and the derivative there is NaN. Each case is one node in a graph, also
/// inside the fused ``Variable/dense(weight:bias:activation:file:line:)``.
///
/// ```swift
/// Variable(Tensor<Double>([0])).applying(.sigmoid).value   // [0.5]
/// Activation.relu.apply(Variable(Tensor<Double>([-1, 2]))).value   // [0.0, 2.0]
/// ```
public enum Activation: String, Codable, Sendable, CaseIterable, NodeConstant {
    /// f(u) = u.
    case identity
    /// The logistic sigmoid σ(u) = 1 / (1 + e⁻ᵘ), computed without overflow.
    case sigmoid
    /// The hyperbolic tangent.
    case tanh
    /// The rectified linear unit max(u, 0).
    case relu
    /// u for u > 0, else ``leakyReluSlope`` · u (``Variable/leakyRelu(slope:file:line:)``
    /// takes other slopes).
    case leakyRelu
    /// ln(1 + eᵘ), a smooth relu, computed without overflow as max(u, 0) + log1p(e^−|u|).
    case softplus
    /// The softmax along the last axis (a row of probabilities; for a classifier, prefer
    /// `identity` logits with ``crossEntropy(logits:labels:file:line:)``, which is fused
    /// and stable).
    case softmax

    /// The slope of ``leakyRelu`` below zero.
    public static let leakyReluSlope = 0.01

    /// Calls `body` with f for this case. The switch stays outside `body`, so a loop in
    /// `body` compiles to one loop per case.
    @inlinable @inline(__always)
    internal func withFunction<Scalar: TensorScalar, R>(_ body: ((Scalar) -> Scalar) -> R) -> R {
        switch self {
        case .identity: return body { $0 }
        case .sigmoid: return body { loopSigmoid($0) }
        case .tanh: return body { loopTanh($0) }
        // `Swift.max(u, 0)` is `0 >= u ? 0 : u`: a NaN u fails the comparison and is returned.
        case .relu: return body { Swift.max($0, 0) }
        case .leakyRelu: return body { $0 > 0 ? $0 : Scalar(Self.leakyReluSlope) * $0 }
        case .softplus: return body { stableSoftplus($0) }
        case .softmax: Self.notElementWise()
        }
    }

    /// Calls `body` with f′ for this case, written in terms of the output y.
    @inlinable @inline(__always)
    internal func withDerivative<Scalar: TensorScalar, R>(_ body: ((Scalar) -> Scalar) -> R) -> R {
        switch self {
        case .identity: return body { _ in 1 }
        case .sigmoid: return body { $0 * (1 - $0) }
        case .tanh: return body { 1 - $0 * $0 }
        case .relu: return body { rectifierDerivative(at: $0, slope: 0) }
        case .leakyRelu: return body { rectifierDerivative(at: $0, slope: Scalar(Self.leakyReluSlope)) }
        // σ(u) = 1 − e⁻ʸ, with expm1 so that it keeps its precision where y is tiny.
        case .softplus: return body { -Scalar.expm1(-$0) }
        case .softmax: Self.notElementWise()
        }
    }

    @usableFromInline
    internal static func notElementWise() -> Never {
        misuseFailure("Activation.softmax is not element-wise: it is applied along the last axis")
    }

    /// f(u) (not for ``softmax``).
    @inlinable
    public func callAsFunction<Scalar: TensorScalar>(_ u: Scalar) -> Scalar {
        withFunction { $0(u) }
    }

    /// f′(u) written in terms of the output y = f(u) (not for ``softmax``).
    @inlinable
    public func derivative<Scalar: TensorScalar>(fromOutput y: Scalar) -> Scalar {
        withDerivative { $0(y) }
    }

    /// The backward g · f′(u) from the output y (not for ``softmax``). For relu the inactive
    /// side receives exactly 0, even where g is infinite (the branch not taken, never NaN);
    /// a NaN output receives NaN, whatever g.
    @inlinable
    public func gradient<Scalar: TensorScalar>(_ g: Scalar, fromOutput y: Scalar) -> Scalar {
        self == .relu ? (y > 0 ? g : y.isNaN ? .nan : 0) : g * derivative(fromOutput: y)
    }

    /// Applies f to every row of `out` after adding `bias` (one value per column), in
    /// place; softmax along each row of `columns` values.
    @inlinable
    public func applyInPlace<Scalar: TensorScalar>(
        _ out: UnsafeMutableBufferPointer<Scalar>, columns: Int, bias: UnsafeBufferPointer<Scalar>?
    ) {
        guard self == .softmax else {
            return withFunction { Self.mapRows(out, columns: columns, bias: bias, $0) }
        }
        Self.identity.applyInPlace(out, columns: columns, bias: bias)
        guard let start = out.baseAddress, columns > 0 else { return }
        let rows = Tensor<Scalar>(shape: [out.count / columns, columns], count: out.count) {
            $0.update(from: start, count: out.count)
        }.softmax(alongAxis: 1)
        rows.withUnsafeBufferPointer { start.update(from: $0.baseAddress!, count: out.count) }
    }

    /// Multiplies `g` by f′(u) in place, f′ from the output y: no allocation when `g` holds
    /// the only reference to its scalars (the reverse sweep hands each gradient over),
    /// except for relu (a select into a fresh buffer vectorises; in place it did not) and
    /// softmax.
    ///
    /// ```swift
    /// var g = Tensor<Double>([1, 1])
    /// Activation.sigmoid.applyGradient(to: &g, fromOutput: Tensor([0.5, 0.9]))
    /// // g is [0.25, 0.09]
    /// ```
    @inlinable
    public func applyGradient<Scalar: TensorScalar>(
        to g: inout Tensor<Scalar>, fromOutput y: Tensor<Scalar>
    ) {
        applyGradient(to: &g, fromOutput: y.borrowed)
    }

    /// The same with the output read in place (the fused ops' backward).
    @inlinable
    internal func applyGradient<Scalar: TensorScalar>(
        to g: inout Tensor<Scalar>, fromOutput output: BorrowedTensor<Scalar>
    ) {
        require(
            g.storage.hasShape(output.shape),
            "\(rawValue) gradient: \(Shapes.format(g.shape)) vs \(Shapes.format(output.shape)): shapes differ")
        switch self {
        case .identity: return
        case .relu:
            // g where y > 0, 0 where y ≤ 0, and y itself (NaN) where it fails both: two
            // selects on the two comparisons vectorise; tests for NaN nested in them, or the
            // same select written in place, compiled to a branch per element.
            g = g.borrowed.zipMap(output, op: "relu gradient") { g, y in
                let passed: Scalar = y > 0 ? g : y
                return y <= 0 ? 0 : passed
            }
        case .softmax:
            g = withoutGradients {
                softmaxGradient(Variable(g), output: Variable(output.map { $0 }), axis: -1).value
            }
        case .sigmoid, .tanh, .leakyRelu, .softplus:
            let y = output.buffer
            withDerivative { (derivative: (Scalar) -> Scalar) in
                g.withUnsafeMutableBufferPointer { buffer in
                    let g = buffer   // not the inout pointer, which the loop would reload
                    for i in 0..<g.count { g[i] *= derivative(y[i]) }
                }
            }
        }
    }

    /// `f` applied to every element (after adding `bias` along each row), with pointers and
    /// no checked index arithmetic so the loops vectorise.
    @inlinable
    static func mapRows<Scalar: TensorScalar>(
        _ out: UnsafeMutableBufferPointer<Scalar>, columns: Int,
        bias: UnsafeBufferPointer<Scalar>?, _ f: (Scalar) -> Scalar
    ) {
        guard let start = out.baseAddress else { return }
        guard let bias = bias?.baseAddress, columns > 0 else {
            for i in 0..<out.count { start[i] = f(start[i]) }
            return
        }
        var row = start
        for _ in 0..<out.count / columns {
            for j in 0..<columns { row[j] = f(row[j] + bias[j]) }
            row += columns
        }
    }

    /// The activation applied to `x`: `x.applying(self)`.
    @inlinable
    public func apply<Scalar>(
        _ x: Variable<Scalar>, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable<Scalar> {
        x.applying(self, file: file, line: line)
    }
}

/// The former name of ``Activation``, when the fused `dense` op had activations of its own.
@available(*, deprecated, renamed: "Activation")
public typealias DenseActivation = Activation

/// The derivative of a rectifier (slope 1 above zero, `slope` at and below it) at v, which
/// is the input or, for slope ≥ 0, the output: NaN stays NaN. Two selects on the two
/// comparisons, which vectorise.
@inlinable
internal func rectifierDerivative<Scalar: TensorScalar>(at v: Scalar, slope: Scalar) -> Scalar {
    let passed: Scalar = v > 0 ? 1 : v
    return v <= 0 ? slope : passed
}

/// σ inside an element loop: ``stableSigmoid(_:)``, with Float's exponential the inline
/// one of CBackpropMath.h, so that the loop vectorises (the C library's expf is a call per
/// element).
@inlinable @inline(__always)
internal func loopSigmoid<Scalar: TensorScalar>(_ x: Scalar) -> Scalar {
    guard Scalar.self == Float.self else { return stableSigmoid(x) }
    let v = unsafeBitCast(x, to: Float.self)
    let e = bp_expf_inline(-Swift.abs(v))  // e^−|x| ≤ 1; NaN stays NaN and fails v >= 0
    return unsafeBitCast(v >= 0 ? 1 / (1 + e) : e / (1 + e), to: Scalar.self)
}

/// tanh inside an element loop: for Float the inline one of CBackpropMath.h, which
/// vectorises; otherwise the C library's.
@inlinable @inline(__always)
internal func loopTanh<Scalar: TensorScalar>(_ x: Scalar) -> Scalar {
    guard Scalar.self == Float.self else { return Scalar.tanh(x) }
    return unsafeBitCast(bp_tanhf_inline(unsafeBitCast(x, to: Float.self)), to: Scalar.self)
}

/// `p` as a pointer to Float, for the C kernels (only where Scalar is Float).
@inlinable @inline(__always)
internal func floatPointer<Scalar>(_ p: UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
}

/// ``loopSigmoid(_:)`` applied in place to `count` scalars; for Float by the C kernel, which
/// runs it in the CPU's widest vectors (AVX-512 or AVX2) with the same values.
@inlinable @inline(__always)
internal func sigmoidInPlace<Scalar: TensorScalar>(_ x: UnsafeMutablePointer<Scalar>, count: Int) {
    guard Scalar.self == Float.self else { return (0..<count).forEach { x[$0] = loopSigmoid(x[$0]) } }
    bp_sigmoidf_inplace(UnsafeMutableRawPointer(x).assumingMemoryBound(to: Float.self), count)
}

/// ``loopTanh(_:)`` applied in place to `count` scalars; for Float by the C kernel, which
/// runs it in the CPU's widest vectors (AVX-512 or AVX2) with the same values.
@inlinable @inline(__always)
internal func tanhInPlace<Scalar: TensorScalar>(_ x: UnsafeMutablePointer<Scalar>, count: Int) {
    guard Scalar.self == Float.self else { return (0..<count).forEach { x[$0] = loopTanh(x[$0]) } }
    bp_tanhf_inplace(UnsafeMutableRawPointer(x).assumingMemoryBound(to: Float.self), count)
}

/// eˣ applied in place to `count` scalars; for Float by the C kernel (the inline exponential
/// of CBackpropMath.h, within 1 ulp, in the CPU's widest vectors), otherwise the C library's.
@inlinable @inline(__always)
internal func expInPlace<Scalar: TensorScalar>(_ x: UnsafeMutablePointer<Scalar>, count: Int) {
    guard Scalar.self == Float.self else { return (0..<count).forEach { x[$0] = Scalar.exp(x[$0]) } }
    bp_expf_inplace(UnsafeMutableRawPointer(x).assumingMemoryBound(to: Float.self), count)
}

/// ln(1 + eˣ) without overflow: max(x, 0) + log1p(e^−|x|).
@inlinable
public func stableSoftplus<Scalar: TensorScalar>(_ x: Scalar) -> Scalar {
    Swift.max(x, 0) + Scalar.log1p(Scalar.exp(-Swift.abs(x)))
}

/// σ(x) without overflow: for x < 0 it uses eˣ / (1 + eˣ), so e⁻ˣ never overflows.
@inlinable
public func stableSigmoid<Scalar: TensorScalar>(_ x: Scalar) -> Scalar {
    if x >= 0 {
        return 1 / (1 + Scalar.exp(-x))
    }
    let e = Scalar.exp(x)
    return e / (1 + e)
}
