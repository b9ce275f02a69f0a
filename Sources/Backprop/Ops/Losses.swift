// Losses as single fused nodes. Each states its reduction exactly.

/// Half the summed squared error: L = ½ Σᵢ (ŷᵢ − yᵢ)² over every element: the per-sample
/// loss ½‖ŷ − y‖² of classic backpropagation, summed over the rows of a batch. A sum, so 0
/// for empty tensors (unlike the mean, ``meanSquaredError(_:_:file:line:)``).
///
/// ∂L/∂ŷ = ŷ − y,  ∂L/∂y = −(ŷ − y). For the mean over m rows (the loss of batched
/// training, "accumulated BP"), scale by 1/m: `halfSquaredError(ŷ, y) * (1 / m)`.
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
    squaredError(predicted, target, .half, op: "halfSquaredError", file: file, line: line)
}

/// The mean squared error over all n elements: L = (1/n) Σᵢ (ŷᵢ − yᵢ)².
///
/// ∂L/∂ŷ = (2/n)(ŷ − y),  ∂L/∂y = −(2/n)(ŷ − y).
///
/// Of empty tensors (n = 0) it is 0/0 = NaN, as in NumPy and PyTorch (an empty batch must
/// not pass for a perfect fit), and the gradients are empty tensors. A NaN element makes
/// L NaN.
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
    squaredError(predicted, target, .mean, op: "meanSquaredError", file: file, line: line)
}

/// The constant c in front of Σ (ŷ − y)²: ½, or 1/n for the mean (+∞ for n = 0, so the
/// mean of nothing is 0 · ∞ = NaN and its gradients stay empty).
@usableFromInline
internal enum SquaredErrorScale: NodeConstant {
    case half, mean

    @inlinable
    func factor<Scalar: TensorScalar>(count: Int) -> Scalar {
        switch self {
        case .half: 0.5
        case .mean: 1 / Scalar(count)
        }
    }
}

/// c · Σ (ŷ − y)², the one kernel behind both squared-error losses.
@inlinable
internal func squaredError<Scalar>(
    _ predicted: Variable<Scalar>, _ target: Variable<Scalar>, _ scale: SquaredErrorScale,
    op: String, file: StaticString, line: UInt
) -> Variable<Scalar> {
    // Read in place: the node keeps both inputs alive.
    let (p, t) = (predicted.storedValue.borrowed, target.storedValue.borrowed)
    Shapes.requireSame(p.shape, t.shape, op: op, symbol: "vs", file: file, line: line)
    var total: Scalar = 0
    for i in 0..<p.count {
        let d = p.scalars[i] - t.scalars[i]
        total += d * d
    }
    let factor: Scalar = scale.factor(count: p.count)
    // The pullbacks read the scale from the node: they capture nothing.
    return Variable(
        op: op, value: Tensor(factor * total), edges: NodeInputs(predicted, target),
        anyInputNeedsGradient: predicted.requiresGradient || target.requiresGradient,
        constant: scale.byte, file: file, line: line,
        tensorPullback: { squaredErrorPullback(TensorPullbacks.self, $0, consume $1) }
    ) { Array(squaredErrorPullback(VariablePullbacks.self, $0, $1)) }
}

/// ∂L/∂ŷ = 2c (ŷ − y) ∇L,  ∂L/∂y = −2c (ŷ − y) ∇L. Written once for both paths of the
/// sweep (``PullbackAlgebra``).
@inlinable @inline(__always)
internal func squaredErrorPullback<A: PullbackAlgebra>(
    _: A.Type, _ y: Variable<A.Scalar>, _ g: consuming A.Gradient
) -> InputGradients<A.Gradient> {
    let (predicted, target) = (A.input(of: y, at: 0), A.input(of: y, at: 1))
    let factor: A.Scalar = y.constant(as: SquaredErrorScale.self).factor(count: A.count(of: predicted.value))
    let share = A.scaledDifference(consume g, by: 2 * factor, predicted.value, target.value)
    guard target.needsGradient else { return InputGradients(share, nil) }
    return InputGradients(predicted.needsGradient ? copy share : nil, A.negate(share))
}

// MARK: - Classification losses from logits (fused, stable)

/// The rows of a batch: the first dimension (1 for a rank-0 tensor).
@inlinable
internal func batchRows(_ shape: TensorShape) -> Int { shape.first ?? 1 }

/// Checks that logits are a non-empty 2-D batch `[N, C]`.
@inlinable
internal func checkLogits(_ shape: TensorShape, op: String, file: StaticString, line: UInt) {
    require(
        shape.count == 2 && shape[0] > 0 && shape[1] > 0,
        "\(op): logits \(Shapes.format(shape)) must be a non-empty 2-D batch [rows, classes]",
        file: file, line: line)
}

/// The cross-entropy of integer class labels under the softmax of `logits`, averaged over
/// the rows of the batch: one fused, stable node (log-sum-exp with the maximum subtracted).
///
/// With logits x of shape [N, C] and labels yᵢ ∈ 0..<C:
/// L = (1/N) Σᵢ (log Σⱼ exp(xᵢⱼ) − xᵢ,yᵢ) = −(1/N) Σᵢ log softmax(xᵢ)_yᵢ;
/// ∂L/∂xᵢⱼ = (softmax(xᵢ)ⱼ − [j = yᵢ]) / N.
///
/// ```swift
/// let logits = Variable(Tensor<Double>([[0, 0], [1000, 0]]), requiresGradient: true)
/// crossEntropy(logits: logits, labels: [1, 0]).value   // (log 2 + 0) / 2 = 0.3465…
/// ```
/// - Precondition: logits are 2-D `[N, C]`, there are N labels, each in `0..<C`.
@inlinable
public func crossEntropy<Scalar>(
    logits: Variable<Scalar>, labels: [Int], file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    let op = "crossEntropy"
    checkLogits(logits.shape, op: op, file: file, line: line)
    let (rows, classes) = (logits.shape[0], logits.shape[1])
    require(
        labels.count == rows,
        "\(op): \(labels.count) labels for logits \(Shapes.format(logits.shape))",
        file: file, line: line)
    if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
        misuseFailure(
            "\(op): label \(bad) is out of range 0..<\(classes) for logits "
                + "\(Shapes.format(logits.shape))", file: file, line: line)
    }
    // −log softmax at the label, from the log-softmax with the maximum subtracted (full
    // precision for large logits, unlike logSumExp(x) − x at |x| ≈ 1000 in Float).
    let logProbabilities = logits.value.logSoftmax(alongAxis: 1)
    var total: Scalar = 0
    logProbabilities.withUnsafeBufferPointer { l in
        for (i, label) in labels.enumerated() { total -= l[i * classes + label] }
    }
    // The pullbacks capture only the labels (one object: no closure context).
    return Variable(
        op: op, value: Tensor(total / Scalar(rows)), inputs: [logits], file: file, line: line,
        tensorPullback: { y, g in crossEntropyPullback(TensorPullbacks.self, y, consume g, labels) }
    ) { y, g in Array(crossEntropyPullback(VariablePullbacks.self, y, g, labels)) }
}

/// ∂L/∂xᵢⱼ = (softmax(xᵢ)ⱼ − [j = yᵢ]) · ∇L / N. Written once for both paths of the sweep
/// (``PullbackAlgebra``).
@inlinable @inline(__always)
internal func crossEntropyPullback<A: PullbackAlgebra>(
    _: A.Type, _ y: Variable<A.Scalar>, _ g: consuming A.Gradient, _ labels: [Int]
) -> InputGradients<A.Gradient> {
    let logits = A.input(of: y, at: 0).value
    let rows = A.shape(of: logits)[0]
    return InputGradients(A.softmaxMinusOneHot(logits, labels: labels, times: g, 1 / A.Scalar(rows)))
}

/// The cross-entropy of target distributions (one-hot or soft rows) under the softmax of
/// `logits`, averaged over the rows of the batch: one fused, stable node.
///
/// With logits x and targets t of shape [N, C]:
/// L = −(1/N) Σᵢ Σⱼ tᵢⱼ log softmax(xᵢ)ⱼ;
/// ∂L/∂xᵢⱼ = (softmax(xᵢ)ⱼ · Σₖ tᵢₖ − tᵢⱼ) / N (= (softmax − t)/N when rows of t sum to 1);
/// ∂L/∂tᵢⱼ = −log softmax(xᵢ)ⱼ / N.
///
/// ```swift
/// let t = Variable(Tensor<Double>([[0, 1], [1, 0]]))
/// crossEntropy(logits: logits, probabilities: t).value   // same as labels [1, 0]
/// ```
/// - Precondition: logits are 2-D `[N, C]` and the targets have the same shape.
@inlinable
public func crossEntropy<Scalar>(
    logits: Variable<Scalar>, probabilities targets: Variable<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    let op = "crossEntropy"
    checkLogits(logits.shape, op: op, file: file, line: line)
    Shapes.requireSame(
        logits.shape, targets.shape, op: op, symbol: "vs targets", file: file, line: line)
    let logProbabilities = logits.value.logSoftmax(alongAxis: 1)
    var total: Scalar = 0
    logProbabilities.withUnsafeBufferPointer { l in
        targets.value.withUnsafeBufferPointer { t in
            for i in 0..<l.count where t[i] != 0 { total -= t[i] * l[i] }
        }
    }
    let scale = 1 / Scalar(logits.shape[0])
    return Variable(
        op: op, value: Tensor(total * scale), inputs: [logits, targets], file: file, line: line
    ) { _, g in
        let gs = g.scaled(by: scale)
        return [
            logits.requiresGradient
                ? (logits.softmax(alongAxis: 1) * targets.sum(alongAxis: 1, keepingDimension: true)
                    - targets) * gs : nil,
            targets.requiresGradient ? logits.logSoftmax(alongAxis: 1).negated() * gs : nil,
        ]
    }
}

/// The binary cross-entropy of targets in [0, 1] under σ(logits), summed over each row and
/// averaged over the rows of the batch (the first dimension; for logits of shape [N] or
/// [N, 1] this is the mean over all elements). One fused node, stable for any |x|.
///
/// ℓ(x, t) = −t log σ(x) − (1 − t) log(1 − σ(x)) = softplus(x) − t·x, computed as
/// max(x, 0) − t·x + log1p(e^−|x|);  L = (1/N) Σ ℓ;
/// ∂L/∂x = (σ(x) − t) / N,  ∂L/∂t = −x / N.
///
/// For no row (N = 0) L is NaN, a mean of nothing (NumPy, PyTorch), with empty gradients;
/// rows of no column give 0. A NaN logit or target makes L NaN.
///
/// ```swift
/// let x = Variable(Tensor<Double>([0, 1000]), requiresGradient: true)
/// binaryCrossEntropy(logits: x, targets: Variable(Tensor([1, 1]))).value   // log 2 / 2
/// ```
/// - Precondition: the shapes are equal.
@inlinable
public func binaryCrossEntropy<Scalar>(
    logits: Variable<Scalar>, targets: Variable<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    let op = "binaryCrossEntropy"
    Shapes.requireSame(
        logits.shape, targets.shape, op: op, symbol: "vs targets", file: file, line: line)
    var total: Scalar = 0
    logits.value.withUnsafeBufferPointer { x in
        targets.value.withUnsafeBufferPointer { t in
            for i in 0..<x.count { total += stableSoftplus(x[i]) - t[i] * x[i] }
        }
    }
    // No row: 0 · (1/0) = NaN, the mean of nothing.
    let scale = 1 / Scalar(batchRows(logits.shape))
    return Variable(
        op: op, value: Tensor(total * scale), inputs: [logits, targets], file: file, line: line
    ) { _, g in
        let gs = g.scaled(by: scale)
        return [
            logits.requiresGradient ? (logits.sigmoid() - targets) * gs : nil,
            targets.requiresGradient ? logits.negated() * gs : nil,
        ]
    }
}
