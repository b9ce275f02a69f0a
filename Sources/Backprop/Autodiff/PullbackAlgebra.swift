// The operations the hot ops' vector–Jacobian products are written in, once, for both
// paths of the reverse sweep.

/// What a vector–Jacobian product needs: read an op's inputs and output, and combine
/// gradients with them. Two paths conform:
/// - ``TensorPullbacks``: first-order sweeps. Gradients are tensors handed over (updated in
///   place where the math allows), inputs and output are read in place, nothing is recorded.
/// - ``VariablePullbacks``: recorded sweeps. Everything is a variable, so the gradient can
///   be differentiated again.
///
/// A hot op writes its derivative once as a function generic over this protocol and gives
/// the node both specialisations, e.g. `{ y, g in sumPullback(TensorPullbacks.self, y, g, …) }`
/// and `{ y, g in Array(sumPullback(VariablePullbacks.self, y, g, …)) }` (see `densePullback`); matrix products go
/// through ``MatrixProductOperand``, which both paths' values conform to.
@usableFromInline
internal protocol PullbackAlgebra {
    associatedtype Scalar: TensorScalar
    /// A gradient: what the sweep hands to a pullback and what it returns.
    associatedtype Gradient
    /// How an input or the output is read.
    associatedtype Value: MatrixProductOperand where Value.Product == Gradient

    /// Input `index` of `y`, and whether it needs a gradient.
    static func input(of y: Variable<Scalar>, at index: Int) -> (value: Value, needsGradient: Bool)
    /// The output of `y` (its value, or the node itself).
    static func output(of y: Variable<Scalar>) -> Value
    static func shape(of value: Value) -> TensorShape
    static func count(of value: Value) -> Int
    /// A gradient as a value, to be multiplied with an input.
    static func value(of gradient: borrowing Gradient) -> Value
    /// `g` summed back to `shape` (the adjoint of broadcasting).
    static func reduce(_ g: consuming Gradient, toShape shape: TensorShape) -> Gradient
    /// `g` summed over its rows (the bias gradient of a dense layer).
    static func sumOfRows(_ g: consuming Gradient) -> Gradient
    static func negate(_ g: consuming Gradient) -> Gradient
    /// g ⊙ x, broadcasting.
    static func multiply(_ g: borrowing Gradient, _ x: Value) -> Gradient
    /// g ⊙ f′(u), f′ from the output y of `activation`.
    static func activationGradient(
        _ g: consuming Gradient, output y: Value, _ activation: Activation
    ) -> Gradient
    /// The one-element gradient `g` times `factor · (a − b)` (a and b of one shape).
    static func scaledDifference(
        _ g: consuming Gradient, by factor: Scalar, _ a: Value, _ b: Value
    ) -> Gradient
    /// The softmax of the rows of `x` (a matrix), minus 1 at column `labels[i]` of row i,
    /// times `factor` and the one-element gradient `g`.
    static func softmaxMinusOneHot(
        _ x: Value, labels: [Int], times g: consuming Gradient, _ factor: Scalar
    ) -> Gradient
    /// The backward of a softmax `y` along the last axis, times `factor`:
    /// factor · y ⊙ (g − Σₖ yₖ gₖ).
    static func softmaxGradient(_ g: consuming Gradient, output y: Value, times factor: Scalar) -> Gradient
}

/// The first-order path of ``PullbackAlgebra``.
@usableFromInline
internal enum TensorPullbacks<Scalar: TensorScalar>: PullbackAlgebra {
    @inlinable
    static func input(of y: Variable<Scalar>, at index: Int)
        -> (value: BorrowedTensor<Scalar>, needsGradient: Bool)
    {
        let input = y.borrowedInput(at: index)
        return (input.value, input.requiresGradient)
    }
    @inlinable
    static func output(of y: Variable<Scalar>) -> BorrowedTensor<Scalar> {
        y.storedValue.borrowed
    }
    @inlinable static func shape(of value: BorrowedTensor<Scalar>) -> TensorShape { value.shape }
    @inlinable static func count(of value: BorrowedTensor<Scalar>) -> Int { value.count }
    @inlinable
    static func value(of gradient: borrowing Tensor<Scalar>) -> BorrowedTensor<Scalar> {
        gradient.borrowed
    }
    @inlinable
    static func reduce(_ g: consuming Tensor<Scalar>, toShape shape: TensorShape) -> Tensor<Scalar> {
        g.summed(toShape: shape)
    }
    @inlinable
    static func sumOfRows(_ g: consuming Tensor<Scalar>) -> Tensor<Scalar> {
        g.sum(alongAxis: 0)
    }
    @inlinable
    static func negate(_ g: consuming Tensor<Scalar>) -> Tensor<Scalar> { -g }
    @inlinable
    static func multiply(_ g: borrowing Tensor<Scalar>, _ x: BorrowedTensor<Scalar>) -> Tensor<Scalar> {
        g.borrowed * x
    }
    @inlinable
    static func activationGradient(
        _ g: consuming Tensor<Scalar>, output y: BorrowedTensor<Scalar>, _ activation: Activation
    ) -> Tensor<Scalar> {
        var delta = consume g
        activation.applyGradient(to: &delta, fromOutput: y)
        return delta
    }
    @inlinable
    static func scaledDifference(
        _ g: consuming Tensor<Scalar>, by factor: Scalar, _ a: BorrowedTensor<Scalar>,
        _ b: BorrowedTensor<Scalar>
    ) -> Tensor<Scalar> {
        let s = factor * g.scalar
        return a.zipMap(b, op: "squaredError") { s * ($0 - $1) }
    }
    @inlinable
    static func softmaxMinusOneHot(
        _ x: BorrowedTensor<Scalar>, labels: [Int], times g: consuming Tensor<Scalar>, _ factor: Scalar
    ) -> Tensor<Scalar> {
        let s = factor * g.scalar
        var p = Tensor.softmaxOfRows(x)
        let classes = x.size(1)
        p.withUnsafeMutableBufferPointer { buffer in
            let p = buffer   // not the inout pointer, which the loops would reload
            for (i, label) in labels.enumerated() { p[i * classes + label] -= 1 }
            for i in 0..<p.count { p[i] *= s }
        }
        return p
    }
    @inlinable
    static func softmaxGradient(
        _ g: consuming Tensor<Scalar>, output y: BorrowedTensor<Scalar>, times factor: Scalar
    ) -> Tensor<Scalar> {
        var d = consume g
        softmaxRowsGradient(&d, output: y, logarithm: false, factor: factor)
        return d
    }
}

/// The recorded path of ``PullbackAlgebra``.
@usableFromInline
internal enum VariablePullbacks<Scalar: TensorScalar>: PullbackAlgebra {
    @inlinable
    static func input(of y: Variable<Scalar>, at index: Int)
        -> (value: Variable<Scalar>, needsGradient: Bool)
    {
        let input = y.input(at: index)
        return (input, input.requiresGradient)
    }
    @inlinable static func output(of y: Variable<Scalar>) -> Variable<Scalar> { y }
    @inlinable static func shape(of value: Variable<Scalar>) -> TensorShape { value.shape }
    @inlinable static func count(of value: Variable<Scalar>) -> Int { value.value.count }
    @inlinable
    static func value(of gradient: borrowing Variable<Scalar>) -> Variable<Scalar> { copy gradient }
    @inlinable
    static func reduce(_ g: consuming Variable<Scalar>, toShape shape: TensorShape) -> Variable<Scalar> {
        g.summed(toShape: shape)
    }
    @inlinable
    static func sumOfRows(_ g: consuming Variable<Scalar>) -> Variable<Scalar> {
        g.sum(alongAxis: 0)
    }
    @inlinable
    static func negate(_ g: consuming Variable<Scalar>) -> Variable<Scalar> { g.negated() }
    @inlinable
    static func multiply(_ g: borrowing Variable<Scalar>, _ x: Variable<Scalar>) -> Variable<Scalar> {
        g.multiplying(x)
    }
    @inlinable
    static func activationGradient(
        _ g: consuming Variable<Scalar>, output y: Variable<Scalar>, _ activation: Activation
    ) -> Variable<Scalar> {
        Backprop.activationGradient(g, output: y, activation: activation)
    }
    @inlinable
    static func scaledDifference(
        _ g: consuming Variable<Scalar>, by factor: Scalar, _ a: Variable<Scalar>,
        _ b: Variable<Scalar>
    ) -> Variable<Scalar> {
        g.broadcast(toShape: a.shape).scaled(by: factor) * (a - b)
    }
    @inlinable
    static func softmaxMinusOneHot(
        _ x: Variable<Scalar>, labels: [Int], times g: consuming Variable<Scalar>, _ factor: Scalar
    ) -> Variable<Scalar> {
        var oneHot = Tensor<Scalar>.zeros(x.shape)
        for (i, label) in labels.enumerated() { oneHot[i, label] = 1 }
        return (x.softmax(alongAxis: 1) - Variable(oneHot)) * g.scaled(by: factor)
    }
    @inlinable
    static func softmaxGradient(
        _ g: consuming Variable<Scalar>, output y: Variable<Scalar>, times factor: Scalar
    ) -> Variable<Scalar> {
        Backprop.softmaxGradient(g, output: y, axis: y.shape.count - 1).scaled(by: factor)
    }
}
