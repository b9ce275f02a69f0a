import CBackpropKernels

// Softmax, log-softmax and log-sum-exp along an axis, all stable: the maximum along the axis
// is subtracted before exponentiating, so no eˣ overflows. The backward of each is written
// in variable ops from the saved output, so it can be differentiated again.

extension Tensor {
    /// The shift m subtracted before exponentiating along `axis`: the maximum along it (the
    /// axis kept, of size 1), taken as 0 where it is infinite (so a row of all −∞ gives −∞,
    /// not NaN from −∞ − (−∞)).
    @inlinable
    internal func stableShift(alongAxis axis: Int) -> Tensor {
        max(alongAxis: axis, keepingDimension: true).map { $0.isFinite ? $0 : 0 }
    }

    /// log Σₖ exp(xₖ) along `axis`, computed as m + log Σₖ exp(xₖ − m) with m the maximum
    /// along the axis (taken as 0 where it is infinite, so all −∞ gives −∞, not NaN).
    @inlinable
    public func logSumExp(
        alongAxis axis: Int, keepingDimension: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        let axis = Shapes.normalizedAxis(axis, rank: rank, op: "logSumExp").orFail(file: file, line: line)
        let m = stableShift(alongAxis: axis)
        let sums = broadcastMap(m, op: "logSumExp") { Scalar.exp($0 - $1) }
            .sum(alongAxis: axis, keepingDimension: true)
        let result = m + sums.map(Scalar.log)
        return keepingDimension
            ? result : result.reshaped(to: Shapes.reduced(shape, axis: axis, keepingDimension: false))
    }

    /// The log-softmax along `axis`, computed as (x − m) − log Σₖ exp(xₖ − m) with m the
    /// maximum along the axis: x − m is exact near the maximum, so the result keeps full
    /// relative precision even at |x| ≈ 1000 in Float (x − logSumExp(x) would lose the low
    /// bits of the rounded logSumExp).
    @inlinable
    public func logSoftmax(alongAxis axis: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let axis = Shapes.normalizedAxis(axis, rank: rank, op: "logSoftmax").orFail(file: file, line: line)
        if axis == rank - 1 { return Tensor.softmaxOfRows(borrowed, logarithm: true) }
        let m = stableShift(alongAxis: axis)
        let shifted = broadcastMap(m, op: "logSoftmax") { $0 - $1 }
        let logSums = shifted.map(Scalar.exp).sum(alongAxis: axis, keepingDimension: true)
            .map(Scalar.log)
        return shifted.broadcastMap(logSums, op: "logSoftmax") { $0 - $1 }
    }

    /// The softmax along `axis`, computed as exp(x − m) / Σₖ exp(xₖ − m) with m the maximum
    /// along the axis (no overflow, full relative precision at any magnitude).
    @inlinable
    public func softmax(alongAxis axis: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let axis = Shapes.normalizedAxis(axis, rank: rank, op: "softmax").orFail(file: file, line: line)
        if axis == rank - 1 { return Tensor.softmaxOfRows(borrowed) }
        let m = stableShift(alongAxis: axis)
        let exponentials = broadcastMap(m, op: "softmax") { Scalar.exp($0 - $1) }
        let sums = exponentials.sum(alongAxis: axis, keepingDimension: true)
        return exponentials.broadcastMap(sums, op: "softmax") { $0 / $1 }
    }
}

extension Tensor {
    /// The softmax along the last axis of `x` (with `logarithm`, the log-softmax), row by
    /// row in one allocation: the same formula as ``softmax(alongAxis:file:line:)`` and
    /// ``logSoftmax(alongAxis:file:line:)`` on any other axis (the maximum of the row
    /// subtracted, taken as 0 where it is infinite). Float rows of 16 or more run in the C
    /// kernel `bp_softmax_rowsf`, whose maxima, exponentials (within 1 ulp) and sums are in
    /// vectors (the sums in another order than a loop's). A NaN makes its row NaN.
    @inlinable
    internal static func softmaxOfRows(_ x: BorrowedTensor<Scalar>, logarithm: Bool = false) -> Tensor {
        Tensor(shape: x.shape, count: x.count) { out in
            softmaxRows(x.scalars, into: out, count: x.count, columns: x.shape.last ?? 1, logarithm: logarithm)
        }
    }
}

/// The rows of ``Tensor/softmaxOfRows(_:logarithm:)`` on `count` scalars in rows of `columns`,
/// from `x` into `out`, which may be `x` itself when `logarithm` is false; the rows split
/// over the CPUs.
@inlinable
internal func softmaxRows<Scalar: TensorScalar>(
    _ x: UnsafePointer<Scalar>, into out: UnsafeMutablePointer<Scalar>, count: Int, columns: Int, logarithm: Bool
) {
    guard columns > 0 else { return }
    parallelRanges(count / columns, grain: parallelGrain / columns + 1) { rows in
        let start = rows.lowerBound * columns
        softmaxRowRange(x + start, into: out + start, rows: rows.count, columns: columns, logarithm: logarithm)
    }
}

/// ``softmaxRows(_:into:count:columns:logarithm:)`` on `rows` rows, on this thread.
@inlinable
internal func softmaxRowRange<Scalar: TensorScalar>(
    _ x: UnsafePointer<Scalar>, into out: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int, logarithm: Bool
) {
    let count = rows * columns
    // Float rows of 16 or more in the C kernel (maxima, exponentials and sums in vectors).
    // Shorter rows gain nothing from its 16 lanes, and its wide instructions would slow the
    // code that follows (see gemm.c), so they stay here: which path a row takes depends on
    // its length only.
    if Scalar.self == Float.self && columns >= 16 {
        return bp_softmax_rowsf(
            UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), floatPointer(out), rows, columns, logarithm ? 1 : 0)
    }
    // Three passes over the whole tensor, so that the exponentials are one vector call: each
    // row minus its maximum (kept per row), e to those, then each row's sum.
    var maxima = [Scalar](repeating: 0, count: rows)
    for r in 0..<rows {
        let (row, p) = (x + r * columns, out + r * columns)
        var m = row[0]
        for j in 1..<columns { m = Swift.max(m, row[j]) }
        if !m.isFinite { m = 0 }
        maxima[r] = m
        for j in 0..<columns { p[j] = row[j] - m }
    }
    expInPlace(out, count: count)
    for r in 0..<rows {
        let (row, p) = (x + r * columns, out + r * columns)
        var sum: Scalar = 0
        for j in 0..<columns { sum += p[j] }
        if logarithm {
            let logSum = Scalar.log(sum)
            for j in 0..<columns { p[j] = (row[j] - maxima[r]) - logSum }
        } else {
            for j in 0..<columns { p[j] /= sum }
        }
    }
}

extension Variable {
    /// The log of the sum of exponentials along `axis` (negative counts from the end),
    /// computed stably with the maximum subtracted.
    ///
    /// y = log Σₖ exp(xₖ);  ∂y/∂xₖ = softmax(x)ₖ (computed with the maximum subtracted,
    /// not as exp(xₖ − y), which loses precision when |y| is large).
    ///
    /// ```swift
    /// Variable(Tensor<Double>([[1000, 1000]])).logSumExp(alongAxis: 1).value   // [1000.693…]
    /// ```
    /// - Precondition: the axis is valid and not empty.
    @inlinable
    public func logSumExp(
        alongAxis axis: Int, keepingDimension: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let axis = Shapes.normalizedAxis(axis, rank: shape.count, op: "logSumExp").orFail(file: file, line: line)
        let keptShape = Shapes.reduced(shape, axis: axis, keepingDimension: true)
        return Variable(
            op: "logSumExp",
            value: value.logSumExp(alongAxis: axis, keepingDimension: keepingDimension),
            inputs: [self], file: file, line: line
        ) { _, g in
            [g.reshaped(to: keptShape) * self.softmax(alongAxis: axis)]
        }
    }

    /// The log of the sum of the exponentials of all elements, as a rank-0 variable.
    ///
    /// y = log Σᵢ exp(xᵢ);  ∂y/∂xᵢ = exp(xᵢ − y). Derived: `logSumExp(alongAxis: 0)` of
    /// the flattened variable.
    @inlinable
    public func logSumExp(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        reshaped(to: [value.count], file: file, line: line)
            .logSumExp(alongAxis: 0, file: file, line: line)
    }

    /// The log-softmax along `axis` (default: the last, the classes of a batch of logits).
    ///
    /// yₖ = xₖ − log Σⱼ exp(xⱼ);  ∇x = ∇y − softmax(x) · Σₖ ∇yₖ (with softmax = exp(y)).
    ///
    /// ```swift
    /// Variable(Tensor<Double>([[0, 0]])).logSoftmax().value   // [[-0.693…, -0.693…]]
    /// ```
    @inlinable
    public func logSoftmax(
        alongAxis axis: Int = -1, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let axis = Shapes.normalizedAxis(axis, rank: shape.count, op: "logSoftmax").orFail(file: file, line: line)
        let value = self.value.logSoftmax(alongAxis: axis)
        return Variable(
            op: "logSoftmax", value: value, inputs: [self], file: file, line: line,
            tensorPullback: axis == shape.count - 1 ? softmaxRowsPullback(logarithm: true) : nil
        ) { y, g in
            [g - y.exp() * g.sum(alongAxis: axis, keepingDimension: true)]
        }
    }

    /// The softmax along `axis` (default: the last): positive values summing to 1 along it.
    ///
    /// yₖ = exp(xₖ) / Σⱼ exp(xⱼ) (computed as exp(xₖ − m) / Σⱼ exp(xⱼ − m), m the maximum);
    /// ∇x = y ⊙ (∇y − Σₖ yₖ ∇yₖ).
    ///
    /// ```swift
    /// Variable(Tensor<Double>([[0, 0], [1000, 0]])).softmax().value   // [[0.5, 0.5], [1.0, 0.0]]
    /// ```
    @inlinable
    public func softmax(
        alongAxis axis: Int = -1, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let axis = Shapes.normalizedAxis(axis, rank: shape.count, op: "softmax").orFail(file: file, line: line)
        let value = self.value.softmax(alongAxis: axis)
        return Variable(
            op: "softmax", value: value, inputs: [self], file: file, line: line,
            tensorPullback: axis == shape.count - 1 ? softmaxRowsPullback(logarithm: false) : nil
        ) { y, g in
            [softmaxGradient(g, output: y, axis: axis)]
        }
    }
}

/// The backward of a softmax y along `axis`: ∇x = y ⊙ (∇y − Σₖ yₖ ∇yₖ), in variable ops (so
/// it can be differentiated again).
@inlinable
internal func softmaxGradient<Scalar>(
    _ g: Variable<Scalar>, output y: Variable<Scalar>, axis: Int
) -> Variable<Scalar> {
    y * (g - (g * y).sum(alongAxis: axis, keepingDimension: true))
}

/// The first-order backward of a softmax (or, with `logarithm`, a log-softmax) `y` along the
/// last axis, row by row: ∇x = y ⊙ (∇y − Σₖ yₖ ∇yₖ), or ∇x = ∇y − exp(y) Σₖ ∇yₖ; the formulas
/// of ``softmaxGradient(_:output:axis:)`` and of `logSoftmax`'s recorded backward.
@inlinable
internal func softmaxRowsPullback<Scalar>(logarithm: Bool) -> Variable<Scalar>.TensorPullback {
    { y, g in softmaxRowsPullback(y, g, logarithm: logarithm) }
}

/// ``softmaxRowsPullback(logarithm:)`` for the node `y` and its output's gradient `g`.
@inlinable
internal func softmaxRowsPullback<Scalar>(
    _ y: Variable<Scalar>, _ g: consuming Tensor<Scalar>, logarithm: Bool
) -> InputGradients<Tensor<Scalar>> {
    var dx = g
    softmaxRowsGradient(&dx, output: y.storedValue.borrowed, logarithm: logarithm)
    return InputGradients(dx)
}

/// The softmax backward of ``softmaxRowsPullback(logarithm:)`` in place on the gradient
/// `g` of the output `y`, row by row along the last axis, times `factor`:
/// ∇x = factor · y ⊙ (∇y − Σₖ yₖ ∇yₖ), or with `logarithm` factor · (∇y − exp(y) Σₖ ∇yₖ).
@inlinable
internal func softmaxRowsGradient<Scalar>(
    _ g: inout Tensor<Scalar>, output y: BorrowedTensor<Scalar>, logarithm: Bool, factor: Scalar = 1
) {
    let (count, columns) = (y.count, y.shape.last ?? 1)
    guard columns > 0 else { return }
    g.withUnsafeMutableBufferPointer { buffer in
        let d = buffer.baseAddress!   // not the inout pointer, which the loops would reload
        parallelRanges(count / columns, grain: parallelGrain / columns + 1) { rows in
            for row in rows {
                let (p, o) = (y.scalars + row * columns, d + row * columns)
                if logarithm {
                    let sum = interleavedSum(columns) { o[$0] }
                    for j in 0..<columns { o[j] = factor * (o[j] - Scalar.exp(p[j]) * sum) }
                } else {
                    let sum = interleavedSum(columns) { p[$0] * o[$0] }
                    for j in 0..<columns { o[j] = factor * (p[j] * (o[j] - sum)) }
                }
            }
        }
    }
}
