// The activation ops: each applies one case of ``Activation`` as one node, whose backward
// g ⊙ f′ uses only the saved output (f and f′ are defined once, in Kernels/Activation.swift).

extension Variable {
    /// `activation` applied element-wise (softmax: along the last axis) as one node, whose
    /// backward g ⊙ f′ uses only the saved output (see ``Activation`` for each f and f′).
    ///
    /// ```swift
    /// let h = x.matmul(w).applying(.tanh)
    /// ```
    @inlinable
    public func applying(
        _ activation: Activation, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        if !_isConcrete(Scalar.self), let y = concretely(
            float: { $0.applyingNode(activation, file: file, line: line) },
            double: { $0.applyingNode(activation, file: file, line: line) })
        { return y }
        return applyingNode(activation, file: file, line: line)
    }

    /// The body of ``applying(_:file:line:)`` (see ConcreteDispatch.swift).
    @inlinable
    internal func applyingNode(_ activation: Activation, file: StaticString, line: UInt) -> Variable {
        switch activation {
        case .identity: return self
        case .softmax: return softmax(alongAxis: -1, file: file, line: line)
        default:
            let value = activation.withFunction { storedValue.borrowed.map($0) }
            return Variable(
                op: activation.rawValue, value: value, edges: NodeInputs([self]),
                anyInputNeedsGradient: requiresGradient, constant: activation.byte, file: file,
                line: line,
                tensorPullback: { y, g in
                    InputGradients(TensorPullbacks.activationGradient(
                        consume g, output: y.storedValue.borrowed, y.constant(as: Activation.self)))
                }
            ) { y, g in [VariablePullbacks.activationGradient(g, output: y, y.constant(as: Activation.self))] }
        }
    }

    /// The logistic sigmoid, computed without overflow for large |x|.
    ///
    /// σ(x) = 1 / (1 + e⁻ˣ);  σ′(x) = σ(x)(1 − σ(x)), from the saved output.
    ///
    /// ```swift
    /// Variable(Tensor<Double>([0, 1000, -1000])).sigmoid().value   // [0.5, 1.0, 0.0]
    /// ```
    @inlinable
    public func sigmoid(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        applying(.sigmoid, file: file, line: line)
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
        applying(.tanh, file: file, line: line)
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
        applying(.relu, file: file, line: line)
    }

    /// The leaky rectified linear unit, element-wise.
    ///
    /// y = x for x > 0, else slope·x;  ∂y/∂x = 1 for x > 0, else slope (slope at x = 0).
    /// NaN stays NaN, and the derivative there is NaN.
    ///
    /// ```swift
    /// Variable(Tensor<Double>([-10, 2])).leakyRelu(slope: 0.1).value   // [-1.0, 2.0]
    /// ```
    /// A slope of 0 is ``relu(file:line:)``, one of 0.01 is ``Activation/leakyRelu``.
    @inlinable
    public func leakyRelu(
        slope: Scalar = Scalar(Activation.leakyReluSlope), file: StaticString = #fileID,
        line: UInt = #line
    ) -> Variable {
        if slope == 0 { return relu(file: file, line: line) }
        if slope == Scalar(Activation.leakyReluSlope) { return applying(.leakyRelu, file: file, line: line) }
        // Another slope: the derivative from the input, which is right for any sign of slope.
        return elementwise("leakyRelu", file: file, line: line, { $0 > 0 ? $0 : slope * $0 }) {
            x, _, g in g.routed(by: x.value.map { rectifierDerivative(at: $0, slope: slope) })
        }
    }

    /// The softplus, a smooth relu, computed without overflow as
    /// max(x, 0) + log1p(e^−|x|).
    ///
    /// y = ln(1 + eˣ);  ∂y/∂x = σ(x) = 1 − e⁻ʸ (from the saved output).
    ///
    /// ```swift
    /// Variable(Tensor<Double>([0, 1000, -1000])).softplus().value   // [0.693…, 1000.0, 0.0]
    /// ```
    @inlinable
    public func softplus(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        applying(.softplus, file: file, line: line)
    }
}

/// The backward of an activation as one differentiable op: g ⊙ f′(u), with f′ from the
/// output y (for softmax: y ⊙ (g − Σₖ yₖ gₖ) along the last axis, in variable ops).
///
/// Its own derivatives, for second-order gradients: ∂/∂g = f′(u), ∂/∂y = g ⊙ (df′/dy).
@inlinable
public func activationGradient<Scalar>(
    _ gradient: Variable<Scalar>, output y: Variable<Scalar>, activation: Activation
) -> Variable<Scalar> {
    switch activation {
    case .identity: return gradient
    case .softmax: return softmaxGradient(gradient, output: y, axis: -1)
    default: break
    }
    let value = gradient.value.zipMap(y.value, op: "activationGradient") { g, y in
        activation.gradient(g, fromOutput: y)
    }
    return Variable(op: "\(activation.rawValue)Gradient", value: value, inputs: [gradient, y]) {
        _, h in
        // df′/dy as ops on y, so the result can be differentiated once more.
        let secondDerivative: Variable<Scalar>? =
            switch activation {
            case .identity, .relu, .leakyRelu, .softmax: nil
            case .sigmoid: 1 - 2 * y
            case .tanh: -2 * y
            case .softplus: y.negated().exp()   // d(1 − e⁻ʸ)/dy
            }
        return [
            gradient.requiresGradient ? activationGradient(h, output: y, activation: activation) : nil,
            y.requiresGradient ? secondDerivative.map { h * gradient * $0 } : nil,
        ]
    }
}
