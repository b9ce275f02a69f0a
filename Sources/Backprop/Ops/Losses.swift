// Losses as single fused nodes. Each states its reduction exactly.

/// Half the summed squared error: L = ½ Σᵢ (ŷᵢ − yᵢ)² over every element: the notes'
/// ½‖ŷ − y‖² for one sample, summed over the rows of a batch.
///
/// ∂L/∂ŷ = ŷ − y,  ∂L/∂y = −(ŷ − y). For the mean over m rows (the notes' batched loss),
/// scale by 1/m: `halfSquaredError(ŷ, y) * (1 / m)`.
///
/// ```swift
/// let loss = halfSquaredError(Variable(Tensor<Double>([1, 2])), Variable(Tensor([0, 0])))
/// loss.value   // 2.5
/// ```
/// - Precondition: the shapes are equal.
@inlinable
public func halfSquaredError<Scalar>(
    _ predicted: Variable<Scalar>, _ target: Variable<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    squaredError(predicted, target, factor: 0.5, op: "halfSquaredError", file: file, line: line)
}

/// The mean squared error over all n elements: L = (1/n) Σᵢ (ŷᵢ − yᵢ)².
///
/// ∂L/∂ŷ = (2/n)(ŷ − y),  ∂L/∂y = −(2/n)(ŷ − y).
///
/// ```swift
/// let loss = meanSquaredError(Variable(Tensor<Double>([1, 2])), Variable(Tensor([0, 0])))
/// loss.value   // 2.5
/// ```
/// - Precondition: the shapes are equal.
@inlinable
public func meanSquaredError<Scalar>(
    _ predicted: Variable<Scalar>, _ target: Variable<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    squaredError(
        predicted, target, factor: 1 / Scalar(Swift.max(predicted.value.count, 1)),
        op: "meanSquaredError", file: file, line: line)
}

/// c · Σ (ŷ − y)², the one kernel behind both squared-error losses.
@inlinable
internal func squaredError<Scalar>(
    _ predicted: Variable<Scalar>, _ target: Variable<Scalar>, factor: Scalar, op: String,
    file: StaticString, line: UInt
) -> Variable<Scalar> {
    _ = Shapes.same(predicted.shape, target.shape, op: op, symbol: "vs").orFail()
    var total: Scalar = 0
    predicted.value.withUnsafeBufferPointer { p in
        target.value.withUnsafeBufferPointer { t in
            for i in 0..<p.count {
                let d = p[i] - t[i]
                total += d * d
            }
        }
    }
    let needs = (predicted.requiresGradient, target.requiresGradient)
    return Variable(
        op: op, value: Tensor(factor * total), inputs: [predicted, target], file: file, line: line,
        tensorPullback: { _, g in
            let scale = 2 * factor * g.scalar
            let share = predicted.value.zipMap(target.value) { scale * ($0 - $1) }
            return [needs.0 ? share : nil, needs.1 ? -share : nil]
        }
    ) { _, g in
        let scale = g.broadcast(toShape: predicted.shape).scaled(by: 2 * factor)
        let share = scale * (predicted - target)
        return [
            predicted.requiresGradient ? share : nil,
            target.requiresGradient ? share.negated() : nil,
        ]
    }
}
