// The fused fully connected op: y = f(x·W + b) as one graph node, forward and backward
// each one pass over the data plus the matrix products. It is what dense layers use.

extension Variable {
    /// The fully connected layer y = f(x·W + b) as one fused node, in row-vector form:
    /// samples are rows and W is input × output.
    ///
    /// With δ = ∇y ⊙ f'(u) (f' taken from the saved output y):
    /// ∇x = δ·Wᵀ,  ∇W = xᵀ·δ,  ∇b = Σ over rows of δ: the error-term formulas of
    /// backpropagation, derived in <doc:HowReverseModeWorks>.
    ///
    /// ```swift
    /// let h = x.dense(weight: w, bias: b, activation: .sigmoid)   // [m, 4] → [m, 5]
    /// ```
    /// - Parameters:
    ///   - weight: `[input, output]`.
    ///   - bias: `[output]`, or `nil` for none.
    ///   - activation: f, applied element-wise.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    /// - Precondition: `self` is `[m, input]`; the message names the shapes otherwise.
    @inlinable
    public func dense(
        weight: Variable, bias: Variable?, activation: DenseActivation = .identity,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let x = self
        // Operands read in place (no retains): this node's inputs keep them alive.
        let (xv, wv) = (x.storedValue.borrowed, weight.storedValue.borrowed)
        guard xv.rank == 2, wv.rank == 2, xv.size(1) == wv.size(0) else {
            _ = Shapes.matmul(xv.shape, wv.shape, op: "dense").orFail(file: file, line: line)
            misuseFailure("dense: operands are not 2-D", file: file, line: line)
        }
        let columns = wv.size(1)
        var y = Tensor.product(xv, wv, transposingA: false, transposingB: false, op: "dense")
        if let bias {
            let bv = bias.storedValue.borrowed
            require(
                bv.rank == 1 && bv.size(0) == columns,
                "dense: bias \(Shapes.format(bv.shape)) for output "
                    + "\(Shapes.format([xv.size(0), columns])): expected [\(columns)]",
                file: file, line: line)
            y.withUnsafeMutableBufferPointer { out in
                activation.applyInPlace(out, columns: columns, bias: bv.buffer)
            }
        } else if activation != .identity {
            y.withUnsafeMutableBufferPointer { out in
                activation.applyInPlace(out, columns: columns, bias: nil)
            }
        }
        let (tensorPullback, pullback): (TensorPullback, Pullback) = activation.densePullbacks()
        return Variable(
            op: "dense", value: consume y, edges: NodeInputs(x, weight, bias),
            anyInputNeedsGradient: x.requiresGradient || weight.requiresGradient
                || bias?.requiresGradient == true,
            file: file, line: line, tensorPullback: tensorPullback, pullback: pullback)
    }
}

extension DenseActivation {
    /// The two pullbacks of a dense node with this activation.
    ///
    /// They capture nothing: the inputs come from the output node and the activation is a
    /// constant in each case, so recording a dense node allocates no closure context (a
    /// closure that captures values gets a heap box per node; one with no captures does
    /// not).
    @inlinable
    internal func densePullbacks<Scalar>() -> (
        Variable<Scalar>.TensorPullback, Variable<Scalar>.Pullback
    ) {
        switch self {
        case .identity:
            ({ denseTensorPullback($0, $1, .identity) }, { densePullback($0, $1, .identity) })
        case .sigmoid:
            ({ denseTensorPullback($0, $1, .sigmoid) }, { densePullback($0, $1, .sigmoid) })
        case .tanh:
            ({ denseTensorPullback($0, $1, .tanh) }, { densePullback($0, $1, .tanh) })
        case .relu:
            ({ denseTensorPullback($0, $1, .relu) }, { densePullback($0, $1, .relu) })
        }
    }
}

/// The first-order backward of `y = f(x·W + b)`: δ = ∇y ⊙ f'(u) in place of the incoming
/// gradient, then ∇x = δ·Wᵀ, ∇W = xᵀ·δ, ∇b = Σ rows of δ. The output and the inputs are read
/// in place (the node keeps them alive during its backward).
@inlinable
internal func denseTensorPullback<Scalar>(
    _ output: Variable<Scalar>, _ gradient: consuming Tensor<Scalar>, _ activation: DenseActivation
) -> InputGradients<Tensor<Scalar>> {
    let (x, weight) = (output.borrowedInput(at: 0), output.borrowedInput(at: 1))
    var delta = consume gradient
    activation.applyGradient(to: &delta, fromOutput: output.storedValue.borrowed)
    let d = delta.borrowed
    let gx =
        x.requiresGradient
        ? Tensor.product(d, weight.value, transposingA: false, transposingB: true) : nil
    let gw =
        weight.requiresGradient
        ? Tensor.product(x.value, d, transposingA: true, transposingB: false) : nil
    guard output.inputCount == 3 else { return InputGradients(consume gx, consume gw) }
    let bias = output.borrowedInput(at: 2)
    // The forward checked that the bias is [columns], the shape of the sum over rows.
    // With one row the sum is delta itself, which becomes the bias gradient in place.
    let gb = bias.requiresGradient ? (consume delta).sum(alongAxis: 0) : nil
    return InputGradients(consume gx, consume gw, consume gb)
}

/// The same backward as differentiable ops, for higher-order gradients.
@inlinable
internal func densePullback<Scalar>(
    _ output: Variable<Scalar>, _ gradient: Variable<Scalar>, _ activation: DenseActivation
) -> [Variable<Scalar>?] {
    let (x, weight) = (output.input(at: 0), output.input(at: 1))
    let delta = activationGradient(gradient, output: output, activation: activation)
    let gx = x.requiresGradient ? delta.matmul(weight, transposingOther: true) : nil
    let gw = weight.requiresGradient ? x.matmul(delta, transposingSelf: true) : nil
    guard output.inputCount == 3 else { return [gx, gw] }
    let bias = output.input(at: 2)
    return [gx, gw, bias.requiresGradient ? delta.sum(alongAxis: 0) : nil]
}

/// The backward of an activation as one differentiable op: g ⊙ f'(u), with f' from the
/// output y.
///
/// Its own derivatives, for second-order gradients: ∂/∂g = f'(u), ∂/∂y = g ⊙ (df'/dy).
@inlinable
public func activationGradient<Scalar>(
    _ gradient: Variable<Scalar>, output y: Variable<Scalar>, activation: DenseActivation
) -> Variable<Scalar> {
    if activation == .identity { return gradient }
    let value = gradient.value.zipMap(y.value, op: "activationGradient") { g, y in
        activation.gradient(g, fromOutput: y)
    }
    return Variable(op: "\(activation.rawValue)Gradient", value: value, inputs: [gradient, y]) {
        _, h in
        // d f'/dy as ops on y, so the result can be differentiated once more.
        let secondDerivative: Variable<Scalar>? =
            switch activation {
            case .identity, .relu: nil
            case .sigmoid: 1 - 2 * y
            case .tanh: -2 * y
            }
        return [
            gradient.requiresGradient ? activationGradient(h, output: y, activation: activation) : nil,
            y.requiresGradient ? secondDerivative.map { h * gradient * $0 } : nil,
        ]
    }
}
