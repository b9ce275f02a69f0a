// The fused fully connected op: y = f(x·W + b) as one graph node, forward and backward
// each one pass over the data plus the matrix products. It is what dense layers use.

extension Variable {
    /// The fully connected layer y = f(x·W + b) as one fused node (the row-vector form of
    /// the notes, §4: samples are rows, W is input × output).
    ///
    /// With δ = ∇y ⊙ f'(u) (f' taken from the saved output y):
    /// ∇x = δ·Wᵀ,  ∇W = xᵀ·δ,  ∇b = Σ over rows of δ.
    ///
    /// ```swift
    /// let h = x.dense(weight: w, bias: b, activation: .sigmoid)   // [m, 4] → [m, 5]
    /// ```
    /// - Parameters:
    ///   - weight: `[input, output]`.
    ///   - bias: `[output]`, or `nil` for none.
    ///   - activation: f, applied element-wise.
    /// - Precondition: `self` is `[m, input]`; the message names the shapes otherwise.
    @inlinable
    public func dense(
        weight: Variable, bias: Variable?, activation: DenseActivation = .identity,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let x = self
        // Shapes read once, compared without building arrays (this runs every step).
        let xShape = x.value.dimensions
        let wShape = weight.value.dimensions
        guard xShape.count == 2, wShape.count == 2, xShape[1] == wShape[0] else {
            _ = Shapes.matmul(xShape, wShape, op: "dense").orFail()
            preconditionFailure("unreachable")
        }
        let columns = wShape[1]
        var y = x.value.matmul(weight.value)
        if let bias {
            let bShape = bias.value.dimensions
            precondition(
                bShape.count == 1 && bShape[0] == columns,
                "dense: bias \(Shapes.format(bShape)) for output "
                    + "\(Shapes.format([xShape[0], columns])): expected [\(columns)]")
            y.withUnsafeMutableBufferPointer { out in
                bias.value.withUnsafeBufferPointer { b in
                    activation.applyInPlace(out, columns: columns, bias: b)
                }
            }
        } else if activation != .identity {
            y.withUnsafeMutableBufferPointer { out in
                activation.applyInPlace(out, columns: columns, bias: nil)
            }
        }
        let saved = DenseSaved(x: x, weight: weight, bias: bias, activation: activation)
        return Variable(
            op: "dense", value: y, edges: NodeInputs(x, weight, bias),
            anyInputNeedsGradient: x.requiresGradient || weight.requiresGradient
                || bias?.requiresGradient == true,
            file: file, line: line,
            tensorPullback: { [saved] y, g in
                let (x, weight, bias, activation) = (saved.x, saved.weight, saved.bias, saved.activation)
                // δ in place of the incoming gradient; shapes reused from the inputs.
                var delta = consume g
                activation.applyGradient(to: &delta, fromOutput: y)
                let gx =
                    x.requiresGradient
                    ? delta.matmul(
                        weight.value, transposingSelf: false, transposingOther: true,
                        shapedAs: x.value.dimensions) : nil
                let gw =
                    weight.requiresGradient
                    ? x.value.matmul(
                        delta, transposingSelf: true, transposingOther: false,
                        shapedAs: weight.value.dimensions) : nil
                guard let bias else { return InputGradients(gx, gw) }
                let gb =
                    bias.requiresGradient ? delta.columnSums(shapedAs: bias.value.dimensions) : nil
                return InputGradients(gx, gw, gb)
            }
        ) { [saved] y, g in
            let (x, weight, bias, activation) = (saved.x, saved.weight, saved.bias, saved.activation)
            let delta = activationGradient(g, output: y, activation: activation)
            let gx = x.requiresGradient ? delta.matmul(weight, transposingOther: true) : nil
            let gw = weight.requiresGradient ? x.matmul(delta, transposingSelf: true) : nil
            guard let bias else { return [gx, gw] }
            return [gx, gw, bias.requiresGradient ? delta.sum(alongAxis: 0) : nil]
        }
    }
}

/// What both pullbacks of a dense node capture, in one object.
///
/// An escaping closure that captures exactly one class reference uses that object as its
/// context; capturing several values allocates a context box per closure. Both pullbacks
/// capture only this object, so a node costs one allocation for them instead of two. (A
/// concrete class rather than a generic box of a tuple: a generic box frees its tuple
/// through the runtime's generic value witnesses, 6 % of a small training step.)
@usableFromInline
internal final class DenseSaved<Scalar: TensorScalar> {
    @usableFromInline let x: Variable<Scalar>
    @usableFromInline let weight: Variable<Scalar>
    @usableFromInline let bias: Variable<Scalar>?
    @usableFromInline let activation: DenseActivation

    @inlinable
    init(x: Variable<Scalar>, weight: Variable<Scalar>, bias: Variable<Scalar>?, activation: DenseActivation) {
        (self.x, self.weight, self.bias, self.activation) = (x, weight, bias, activation)
    }
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
