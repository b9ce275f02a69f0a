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
        weight: Variable, bias: Variable?, activation: Activation = .identity,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        if !_isConcrete(Scalar.self), let y = concretely(
            float: {
                $0.denseNode(weight: weight.retyped(), bias: bias?.retyped(), activation: activation, file: file, line: line)
            },
            double: {
                $0.denseNode(weight: weight.retyped(), bias: bias?.retyped(), activation: activation, file: file, line: line)
            })
        { return y }
        return denseNode(weight: weight, bias: bias, activation: activation, file: file, line: line)
    }

    /// The body of ``dense(weight:bias:activation:file:line:)`` (see ConcreteDispatch.swift).
    @inlinable
    internal func denseNode(
        weight: Variable, bias: Variable?, activation: Activation, file: StaticString, line: UInt
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
        // The pullbacks read the activation from the node: they capture nothing, so recording
        // a dense node allocates no closure context.
        return Variable(
            op: "dense", value: consume y, edges: NodeInputs(x, weight, bias),
            anyInputNeedsGradient: x.requiresGradient || weight.requiresGradient
                || bias?.requiresGradient == true,
            constant: activation.byte, file: file, line: line,
            tensorPullback: { densePullback(TensorPullbacks.self, $0, consume $1) }
        ) { Array(densePullback(VariablePullbacks.self, $0, $1)) }
    }
}

/// The backward of `y = f(x·W + b)`: δ = ∇y ⊙ f'(u) (f' from the output; on the first-order
/// path in place of the incoming gradient), then ∇x = δ·Wᵀ, ∇W = xᵀ·δ, ∇b = Σ rows of δ.
/// Written once for both paths of the sweep (``PullbackAlgebra``).
@inlinable @inline(__always)
internal func densePullback<A: PullbackAlgebra>(
    _: A.Type, _ y: Variable<A.Scalar>, _ g: consuming A.Gradient
) -> InputGradients<A.Gradient> {
    let (x, weight) = (A.input(of: y, at: 0), A.input(of: y, at: 1))
    let delta = A.activationGradient(consume g, output: A.output(of: y), y.constant(as: Activation.self))
    let d = A.value(of: delta)
    let gx = x.needsGradient ? d.product(weight.value, transposingSelf: false, transposingOther: true) : nil
    let gw = weight.needsGradient ? x.value.product(d, transposingSelf: true, transposingOther: false) : nil
    guard y.inputCount == 3 else { return InputGradients(gx, gw) }
    // The forward checked that the bias is [columns], the shape of the sum over rows; with
    // one row the sum is δ itself, handed over as the bias gradient.
    return InputGradients(gx, gw, A.input(of: y, at: 2).needsGradient ? A.sumOfRows(consume delta) : nil)
}
