import CBackpropKernels

// The error function and the smooth gates built on the Gaussian and the logistic
// function: erf, GELU (exact and its tanh approximation) and SiLU. Their derivatives need
// the input (not only the output), so they are element-wise ops rather than cases of
// ``Activation``. Each derivative is written once, over ``ElementAlgebra``: on scalars for
// the first-order backward (one pass), on variables for the recorded one, which can be
// differentiated again.

/// How ``Variable/gelu(approximation:file:line:)`` evaluates Φ, the standard normal CDF.
public enum GELUApproximation: String, Sendable, Codable, CaseIterable {
    /// Φ(x) = ½(1 + erf(x/√2)), exactly (PyTorch's `approximate='none'`).
    case none
    /// Φ(x) ≈ ½(1 + tanh(√(2/π)(x + 0.044715x³))) (GPT-2's form, PyTorch's
    /// `approximate='tanh'`).
    case tanh
}

/// The cubic coefficient of the tanh approximation of GELU.
@usableFromInline let geluCubic = 0.044715
/// √(2/π).
@usableFromInline let squareRootOfTwoOverPi = 0.797_884_560_802_865_4

/// GELU of one scalar: x·Φ(x) with Φ as `approximation` says. The one definition of the
/// forward formula, used by the op and available to layers. For Float, the exact Φ is the
/// vectorisable one of CBackpropMath.h (within 1.3e-6 relative for |x| ≤ 3), and tanh the
/// activation loops' (within 1.5 ulp); for Double, ½ erfc(−x/√2). Both keep their relative
/// precision in the negative tail, where ½(1 + erf(x/√2)) cancels to 0.
@inlinable
public func gelu<Scalar: TensorScalar>(_ x: Scalar, approximation: GELUApproximation = .none) -> Scalar {
    switch approximation {
    case .none:
        return x * GateScalar(x).normalCDF.value
    case .tanh:
        let u = Scalar(squareRootOfTwoOverPi) * (x + Scalar(geluCubic) * (x * x * x))
        return x * (1 + loopTanh(u)) / 2
    }
}

extension Variable {
    /// The error function, element-wise.
    ///
    /// y = erf x = (2/√π) ∫₀ˣ e^(−t²) dt;  ∂y/∂x = (2/√π) e^(−x²).
    ///
    /// ```swift
    /// Variable(Tensor<Double>([0, 10])).erf().value   // [0.0, 1.0]
    /// ```
    @inlinable
    public func erf(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        elementwise(
            "erf", file: file, line: line, Scalar.erf, derivative: { errorFunctionDerivative(GateScalar($0)).value }
        ) { x, _, g in
            g * errorFunctionDerivative(x)
        }
    }

    /// The Gaussian error linear unit, element-wise: x weighted by the probability that a
    /// standard normal variable lies below it.
    ///
    /// Exact (`.none`): y = x Φ(x), Φ(x) = ½(1 + erf(x/√2));
    /// ∂y/∂x = Φ(x) + x φ(x), φ(x) = e^(−x²/2)/√(2π).
    ///
    /// `.tanh`: y = ½x(1 + t), t = tanh u, u = √(2/π)(x + 0.044715x³);
    /// ∂y/∂x = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²).
    ///
    /// ```swift
    /// Variable(Tensor<Double>([0, 1])).gelu().value                    // [0.0, 0.841…]
    /// Variable(Tensor<Double>([0, 1])).gelu(approximation: .tanh).value  // [0.0, 0.841…]
    /// ```
    @inlinable
    public func gelu(
        approximation: GELUApproximation = .none, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        Variable(
            op: "gelu", value: geluValues(value, approximation), inputs: [self], file: file, line: line,
            tensorPullback: { y, g in geluTensorPullback(y, g, approximation) }
        ) { y, g in
            [g * geluDerivative(y.input(at: 0), approximation: approximation)]
        }
    }

    /// The sigmoid-weighted linear unit (swish with β = 1), element-wise.
    ///
    /// y = x σ(x);  ∂y/∂x = σ(x)(1 + x(1 − σ(x))).
    ///
    /// ```swift
    /// Variable(Tensor<Double>([0, 1000])).silu().value   // [0.0, 1000.0]
    /// ```
    @inlinable
    public func silu(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        elementwise("silu", file: file, line: line, { $0 * stableSigmoid($0) }) { x, _, g in
            let s = x.sigmoid()
            return g * s * (x * s.negated().shifted(by: 1)).shifted(by: 1)
        }
    }
}

/// The arithmetic the smooth element-wise derivatives are written in, once: on scalars
/// (``GateScalar``, the first-order backward, one pass) or on variables (the recorded
/// backward, differentiable again).
@usableFromInline
internal protocol ElementAlgebra: GateAlgebra {
    /// eˣ.
    var exponential: Self { get }
    /// erf x.
    var errorFunction: Self { get }
    /// Φ(x) = ½(1 + erf(x/√2)), the standard normal distribution function.
    var normalCDF: Self { get }
    /// c x.
    func scaled(_ c: Double) -> Self
    /// x + c.
    func shifted(_ c: Double) -> Self
}

extension GateScalar: ElementAlgebra {
    @inlinable var exponential: Self {
        guard Scalar.self == Float.self else { return Self(Scalar.exp(value)) }
        return Self(unsafeBitCast(bp_expf_inline(unsafeBitCast(value, to: Float.self)), to: Scalar.self))
    }
    /// For Float the vectorisable Φ of CBackpropMath.h; for Double ½ erfc(−x/√2), which keeps
    /// its relative precision in the negative tail (where 1 + erf(x/√2) cancels).
    @inlinable var normalCDF: Self {
        if Scalar.self == Float.self {
            return Self(unsafeBitCast(bp_normal_cdff_inline(unsafeBitCast(value, to: Float.self)), to: Scalar.self))
        }
        let x = unsafeBitCast(value, to: Double.self)
        return Self(unsafeBitCast(bp_erfc(-x * 0.5.squareRoot()) / 2, to: Scalar.self))
    }
    @inlinable var errorFunction: Self { Self(Scalar.erf(value)) }
    @inlinable func scaled(_ c: Double) -> Self { Self(Scalar(c) * value) }
    @inlinable func shifted(_ c: Double) -> Self { Self(value + Scalar(c)) }
}

extension Variable: ElementAlgebra {
    @inlinable var exponential: Variable { exp() }
    @inlinable var normalCDF: Variable { scaled(0.5.squareRoot()).erf().shifted(1).scaled(0.5) }
    @inlinable var errorFunction: Variable { erf() }
    @inlinable func scaled(_ c: Double) -> Variable { scaled(by: Scalar(c)) }
    @inlinable func shifted(_ c: Double) -> Variable { shifted(by: Scalar(c)) }
}

/// ∂ erf(x)/∂x = (2/√π) e^(−x²).
@inlinable
internal func errorFunctionDerivative<T: ElementAlgebra>(_ x: T) -> T {
    (x * x).scaled(-1).exponential.scaled(2 / Double.pi.squareRoot())
}

/// ∂ gelu(x)/∂x (see ``Variable/gelu(approximation:file:line:)``).
@inlinable
internal func geluDerivative<T: ElementAlgebra>(_ x: T, approximation: GELUApproximation) -> T {
    switch approximation {
    case .none:
        let cdf = x.normalCDF
        let density = (x * x).scaled(-0.5).exponential.scaled(1 / (2 * Double.pi).squareRoot())
        return cdf + x * density
    case .tanh:
        let c = squareRootOfTwoOverPi
        let t = (x + (x * x * x).scaled(geluCubic)).scaled(c).hyperbolicTangent
        let du = (x * x).scaled(3 * geluCubic).shifted(1).scaled(c)
        return t.shifted(1).scaled(0.5) + (x * (t * t).complement * du).scaled(0.5)
    }
}

/// GELU of every element of `x`. Float runs in the C kernels `bp_gelu_erff` and
/// `bp_gelu_tanhf` (the widest vectors the CPU has; bit for bit the scalar
/// ``gelu(_:approximation:)``), split over the CPUs.
@inlinable
internal func geluValues<Scalar>(_ x: Tensor<Scalar>, _ approximation: GELUApproximation) -> Tensor<Scalar> {
    let (xs, count) = (x.borrowed.scalars, x.count)
    return withExtendedLifetime(x) {
        Tensor(shape: x.shape, count: count) { (out: UnsafeMutablePointer<Scalar>) in
            if Scalar.self == Float.self {
                let kernel = approximation == .none ? bp_gelu_erff : bp_gelu_tanhf
                let (x, y) = (floatPointer(xs), floatPointer(out))
                parallelRanges(count, grain: parallelGrain) { kernel(x + $0.lowerBound, y + $0.lowerBound, $0.count) }
                return
            }
            switch approximation {
            case .none: for i in 0..<count { out[i] = gelu(xs[i], approximation: .none) }
            case .tanh: for i in 0..<count { out[i] = gelu(xs[i], approximation: .tanh) }
            }
        }
    }
}

/// The first-order backward of `gelu`: ∇x = ∇y ⊙ ``geluDerivative(_:approximation:)`` on
/// scalars, in one pass. Float runs in the C kernels `bp_gelu_erf_backwardf` and
/// `bp_gelu_tanh_backwardf` (bit for bit the scalar formula), split over the CPUs.
@inlinable
internal func geluTensorPullback<Scalar>(
    _ y: Variable<Scalar>, _ g: consuming Tensor<Scalar>, _ approximation: GELUApproximation
) -> InputGradients<Tensor<Scalar>> {
    guard Scalar.self == Float.self else {
        switch approximation {
        case .none: return elementwiseTensorPullback(y, g) { geluDerivative(GateScalar($0), approximation: .none).value }
        case .tanh: return elementwiseTensorPullback(y, g) { geluDerivative(GateScalar($0), approximation: .tanh).value }
        }
    }
    // Into a new tensor: the gradient handed over may be shared, and writing in place would
    // then copy it first.
    let x = y.borrowedInput(at: 0)
    guard x.requiresGradient else { return InputGradients(nil) }
    let kernel = approximation == .none ? bp_gelu_erf_backwardf : bp_gelu_tanh_backwardf
    let (xs, gs, count) = (floatPointer(x.value.scalars), floatPointer(g.borrowed.scalars), g.count)
    return withExtendedLifetime(g) {
        InputGradients(Tensor(shape: g.shape, count: count) { out in
            parallelRanges(count, grain: parallelGrain) {
                kernel(xs + $0.lowerBound, gs + $0.lowerBound, floatPointer(out) + $0.lowerBound, $0.count)
            }
        })
    }
}
