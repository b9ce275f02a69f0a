// Shape ops: reshape, broadcasting to a larger shape, and its adjoint, summing back down.

extension Variable {
    /// The value repeated along new leading axes and along axes of size 1 to fill `target`.
    ///
    /// y = broadcast(x);  ∂f/∂x = ∇y summed over the broadcast axes.
    ///
    /// - Precondition: the shape broadcasts to `target`.
    @inlinable
    public func broadcast(toShape target: TensorShape, file: StaticString = #fileID, line: UInt = #line)
        -> Variable
    {
        if target == shape { return self }
        let resultShape = Shapes.broadcast(shape, target, op: "broadcast", symbol: "to").orFail(file: file, line: line)
        require(
            resultShape == target,
            "broadcast: \(Shapes.format(shape)) to \(Shapes.format(target)): the target is not "
                + "a broadcast of the shape", file: file, line: line)
        let sourceShape = shape
        let expanded = Tensor<Scalar>.zeros(target) + value
        return Variable(op: "broadcast", value: expanded, inputs: [self], file: file, line: line) {
            _, g in [g.summed(toShape: sourceShape)]
        }
    }

    /// The value summed down to `target`, a shape that broadcasts to this one: the adjoint
    /// of ``broadcast(toShape:file:line:)``, used by every broadcasting op's backward.
    ///
    /// y = Σ over broadcast axes of x;  ∂f/∂x = ∇y broadcast back to x's shape.
    @inlinable
    public func summed(toShape target: TensorShape, file: StaticString = #fileID, line: UInt = #line)
        -> Variable
    {
        if target == shape { return self }
        let sourceShape = shape
        return Variable(
            op: "sumToShape", value: value.summed(toShape: target), inputs: [self], file: file,
            line: line
        ) { _, g in [g.broadcast(toShape: sourceShape)] }
    }

    /// The same values under another shape with as many elements.
    ///
    /// y = reshape(x);  ∇x = reshape(∇y) back to x's shape.
    @inlinable
    public func reshaped(to newShape: TensorShape, file: StaticString = #fileID, line: UInt = #line)
        -> Variable
    {
        if newShape == shape { return self }
        let sourceShape = shape
        return Variable(
            op: "reshape", value: value.reshaped(to: newShape), inputs: [self], file: file,
            line: line
        ) { _, g in [g.reshaped(to: sourceShape)] }
    }
}

// MARK: - Axis permutation, squeeze / unsqueeze

extension Variable {
    /// The variable with its axes reordered: axis i of the result is axis `axes[i]` of this.
    ///
    /// y = permute(x, p);  ∇x = permute(∇y, p⁻¹).
    ///
    /// ```swift
    /// x.permuted([0, 2, 1])   // [b, m, n] → [b, n, m]
    /// ```
    /// - Precondition: `axes` is a permutation of `0..<rank`.
    @inlinable
    public func permuted(_ axes: [Int], file: StaticString = #fileID, line: UInt = #line)
        -> Variable
    {
        _ = Shapes.permutation(shape, axes, op: "permute").orFail(file: file, line: line)
        if axes == Array(0..<shape.count) { return self }
        var inverse = axes
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return Variable(
            op: "permute", value: value.permuted(axes, file: file, line: line), inputs: [self], file: file, line: line
        ) { _, g in [g.permuted(inverse)] }
    }

    /// The variable without the size-1 axis `axis` (a reshape).
    ///
    /// ```swift
    /// x.squeezed(axis: 1)   // [4, 1] → [4]
    /// ```
    /// - Precondition: the axis is valid and has size 1.
    @inlinable
    public func squeezed(axis: Int, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let a = Shapes.normalizedAxis(axis, rank: shape.count, op: "squeeze").orFail(file: file, line: line)
        require(
            shape[a] == 1, "squeeze: axis \(axis) of \(Shapes.format(shape)) has size \(shape[a]), not 1",
            file: file, line: line)
        return reshaped(to: Shapes.reduced(shape, axis: a, keepingDimension: false), file: file, line: line)
    }

    /// The variable with a new axis of size 1 inserted at `axis` (`0...rank`; negative
    /// counts from the end, −1 appends) — a reshape.
    ///
    /// ```swift
    /// b.unsqueezed(axis: 0)   // [5] → [1, 5]
    /// ```
    @inlinable
    public func unsqueezed(axis: Int, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let a = Shapes.normalizedAxis(axis, rank: shape.count + 1, op: "unsqueeze").orFail(file: file, line: line)
        var newShape = shape
        newShape.insert(1, at: a)
        return reshaped(to: newShape, file: file, line: line)
    }
}

// MARK: - Slices, concatenation, stacking, gathering rows

extension Variable {
    /// The elements whose index along `axis` lies in `range` (the axis keeps its place).
    ///
    /// y = x[…, range, …];  ∇x = ∇y placed into zeros at `range`.
    ///
    /// ```swift
    /// x.sliced(alongAxis: 1, 0..<2)   // the first two columns of a matrix
    /// ```
    /// - Precondition: the axis is valid and `range` lies within it.
    @inlinable
    public func sliced(
        alongAxis axis: Int, _ range: Range<Int>, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let axis = Shapes.normalizedAxis(axis, rank: shape.count, op: "slice").orFail(file: file, line: line)
        let size = shape[axis]
        return Variable(
            op: "slice", value: value.sliced(alongAxis: axis, range, file: file, line: line), inputs: [self], file: file,
            line: line
        ) { _, g in [g.placed(alongAxis: axis, at: range.lowerBound, size: size)] }
    }

    /// The rows `range` (a slice along axis 0), for mini-batches.
    ///
    /// ```swift
    /// x.rows(0..<32)   // the first batch of 32
    /// ```
    @inlinable
    public func rows(_ range: Range<Int>, file: StaticString = #fileID, line: UInt = #line)
        -> Variable
    {
        sliced(alongAxis: 0, range, file: file, line: line)
    }

    /// Zeros of size `size` along `axis` with this variable at `offset…`: the adjoint of
    /// ``sliced(alongAxis:_:file:line:)``, whose backward is the slice again.
    @inlinable
    internal func placed(alongAxis axis: Int, at offset: Int, size: Int) -> Variable {
        let length = shape[axis]
        return Variable(
            op: "place", value: value.placed(alongAxis: axis, at: offset, size: size),
            inputs: [self]
        ) { _, g in [g.sliced(alongAxis: axis, offset..<offset + length)] }
    }

    /// The rows at `indices` (along axis 0), in order, repeats allowed: labels to one-hot
    /// rows, embedding look-ups, shuffled batches.
    ///
    /// yᵣ = x_{indices[r]};  ∇x = ∇y's rows added into the rows they came from.
    ///
    /// ```swift
    /// Variable(Tensor<Double>.identity(3)).gatheringRows([2, 0])   // one-hot rows of 2 and 0
    /// ```
    /// - Precondition: rank ≥ 1 and every index lies in `0..<shape[0]`.
    @inlinable
    public func gatheringRows(
        _ indices: [Int], file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let rowCount = shape.first ?? 0
        return Variable(
            op: "gatherRows", value: value.gatheringRows(indices, file: file, line: line), inputs: [self], file: file,
            line: line
        ) { _, g in [g.scatterAddingRows(indices, rowCount: rowCount)] }
    }

    /// Row r added into row `indices[r]` of `rowCount` zero rows: the adjoint of
    /// ``gatheringRows(_:file:line:)``, whose backward is the gather again.
    @inlinable
    internal func scatterAddingRows(_ indices: [Int], rowCount: Int) -> Variable {
        Variable(
            op: "scatterRows", value: value.scatterAddingRows(indices, rowCount: rowCount),
            inputs: [self]
        ) { _, g in [g.gatheringRows(indices)] }
    }
}

/// The variables joined along `axis` (negative counts from the end); every other size must
/// agree.
///
/// y = [x₁ x₂ …] along the axis;  ∇xᵢ = the slice of ∇y where xᵢ sits.
///
/// ```swift
/// concatenate([a, b], alongAxis: 1)   // [4, 2] and [4, 3] → [4, 5]
/// ```
/// - Precondition: at least one variable, equal ranks, equal sizes off the axis.
@inlinable
public func concatenate<Scalar>(
    _ parts: [Variable<Scalar>], alongAxis axis: Int, file: StaticString = #fileID,
    line: UInt = #line
) -> Variable<Scalar> {
    let value = Tensor.concatenated(parts.map(\.value), alongAxis: axis, file: file, line: line)
    let axis = Shapes.normalizedAxis(axis, rank: value.rank, op: "concatenate").orFail(file: file, line: line)
    var offsets = [0]
    for p in parts { offsets.append(offsets.last! + p.shape[axis]) }
    return Variable(op: "concatenate", value: value, inputs: parts, file: file, line: line) {
        _, g in
        parts.indices.map { i in
            parts[i].requiresGradient ? g.sliced(alongAxis: axis, offsets[i]..<offsets[i + 1]) : nil
        }
    }
}

/// The variables, all of one shape, stacked along a new axis `axis` (`0...rank`).
/// Derived: each is unsqueezed at `axis`, then they are concatenated.
///
/// ```swift
/// stack([a, b, c], alongAxis: 0)   // three [4] → [3, 4]
/// ```
/// - Precondition: at least one variable; equal shapes.
@inlinable
public func stack<Scalar>(
    _ parts: [Variable<Scalar>], alongAxis axis: Int = 0, file: StaticString = #fileID,
    line: UInt = #line
) -> Variable<Scalar> {
    require(!parts.isEmpty, "stack: no variables to stack", file: file, line: line)
    if let bad = parts.first(where: { $0.shape != parts[0].shape }) {
        misuseFailure(
            "stack: shapes \(Shapes.format(parts[0].shape)) and \(Shapes.format(bad.shape)) differ",
            file: file, line: line)
    }
    return concatenate(
        parts.map { $0.unsqueezed(axis: axis, file: file, line: line) }, alongAxis: axis,
        file: file, line: line)
}
