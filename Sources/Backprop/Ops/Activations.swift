// Element-wise activations. Each keeps what its derivative needs from the forward pass.

extension Variable {
    /// The logistic sigmoid, computed without overflow for large |x|.
    ///
    /// σ(x) = 1 / (1 + e⁻ˣ);  σ'(x) = σ(x)(1 − σ(x)), computed from the saved output, so
    /// backward never evaluates exp again.
    ///
    /// ```swift
    /// Variable(Tensor<Double>([0, 1000, -1000])).sigmoid().value   // [0.5, 1.0, 0.0]
    /// ```
    @inlinable
    public func sigmoid(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        Variable(
            op: "sigmoid", value: storedValue.borrowed.map(stableSigmoid), inputs: [self],
            file: file, line: line,
            tensorPullback: { y, g in
                InputGradients(
                    TensorPullbacks.activationGradient(consume g, output: y.storedValue.borrowed, .sigmoid))
            }
        ) { y, g in [VariablePullbacks.activationGradient(g, output: y, .sigmoid)] }
    }

    /// The hyperbolic tangent, element-wise.
    ///
    /// y = tanh x;  ∂y/∂x = 1 − y² (from the saved output).
    ///
    /// ```swift
    /// Variable(Tensor<Double>([0, 1000])).tanh().value   // [0.0, 1.0]
    /// ```
    @inlinable
    public func tanh(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        elementwise("tanh", file: file, line: line, Scalar.tanh) { _, y, g in
            g * (1 - y * y)
        }
    }

    /// The rectified linear unit, element-wise.
    ///
    /// y = max(x, 0);  ∂y/∂x = 1 for x > 0, else 0 (0 at the kink x = 0). −∞ gives 0. NaN
    /// stays NaN, and the derivative there is NaN (as for `maximum`).
    ///
    /// ```swift
    /// Variable(Tensor<Double>([-1, 0, 2])).relu().value   // [0.0, 0.0, 2.0]
    /// ```
    @inlinable
    public func relu(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        // `max`, not the leaky form with slope 0: 0 · (−∞) is NaN. `Swift.max(x, 0)` is
        // `0 >= x ? 0 : x`, so a NaN x (which fails the comparison) is returned: keep x first.
        elementwise("relu", file: file, line: line, { Swift.max($0, 0) }) { x, _, g in
            // 1 where x > 0, 0 where x ≤ 0, x itself (NaN) where it fails both: two selects
            // on the two comparisons, which vectorise (see `DenseActivation.applyGradient`).
            g.routed(by: x.value.map { x in
                let passed: Scalar = x > 0 ? 1 : x
                return x <= 0 ? 0 : passed
            })
        }
    }

    /// The leaky rectified linear unit, element-wise.
    ///
    /// y = x for x > 0, else slope·x;  ∂y/∂x = 1 for x > 0, else slope (slope at x = 0).
    /// NaN stays NaN, and the derivative there is NaN.
    ///
    /// ```swift
    /// Variable(Tensor<Double>([-10, 2])).leakyRelu(slope: 0.1).value   // [-1.0, 2.0]
    /// ```
    /// A slope of 0 is ``relu(file:line:)``.
    @inlinable
    public func leakyRelu(
        slope: Scalar = 0.01, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        if slope == 0 { return relu(file: file, line: line) }
        return elementwise("leakyRelu", file: file, line: line, { $0 > 0 ? $0 : slope * $0 }) {
            x, _, g in
            g.routed(by: x.value.map { x in
                let passed: Scalar = x > 0 ? 1 : x
                return x <= 0 ? slope : passed
            })
        }
    }

    /// The softplus, a smooth relu, computed without overflow as
    /// max(x, 0) + log1p(e^−|x|).
    ///
    /// y = ln(1 + eˣ);  ∂y/∂x = σ(x).
    ///
    /// ```swift
    /// Variable(Tensor<Double>([0, 1000, -1000])).softplus().value   // [0.693…, 1000.0, 0.0]
    /// ```
    @inlinable
    public func softplus(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        elementwise("softplus", file: file, line: line, stableSoftplus) { x, _, g in
            g * x.sigmoid()
        }
    }
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
