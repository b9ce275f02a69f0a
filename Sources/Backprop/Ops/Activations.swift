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
            op: "sigmoid", value: value.map(stableSigmoid), inputs: [self], file: file, line: line,
            tensorPullback: { y, g in [g.zipMap(y) { g, y in g * y * (1 - y) }] }
        ) { y, g in [activationGradient(g, output: y, activation: .sigmoid)] }
    }
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
