// Reductions: all elements, along one axis, and back down to a broadcast operand's shape.

extension Tensor {
    /// The sum of all elements, as a rank-0 tensor.
    @inlinable
    public func sum() -> Tensor {
        var total: Scalar = 0
        storage.withUnsafeBufferPointer { for x in $0 { total += x } }
        return Tensor(total)
    }

    /// The column sums of a 2-D tensor under `resultShape` (one element per column, e.g. a
    /// bias's shape, reused so the backward of a dense layer allocates no shape array).
    @inlinable
    internal func columnSums(shapedAs resultShape: TensorShape) -> Tensor {
        precondition(rank == 2, "columnSums: \(Shapes.format(shape)) is not 2-D")
        let (rows, columns) = (shape[0], shape[1])
        precondition(
            Shapes.count(resultShape) == columns,
            "columnSums: \(Shapes.format(resultShape)) for \(columns) columns")
        return Tensor(shape: resultShape) { out in
            storage.withUnsafeBufferPointer { src in
                for j in 0..<columns { out[j] = 0 }
                for i in 0..<rows {
                    for j in 0..<columns { out[j] += src[i * columns + j] }
                }
            }
        }
    }

    /// Sums along `axis` (negative counts from the end), dropping it unless
    /// `keepingDimension`.
    ///
    /// ```swift
    /// let t: Tensor<Double> = [[1, 2], [3, 4]]
    /// t.sum(alongAxis: 0)   // [4.0, 6.0]
    /// ```
    @inlinable
    public func sum(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
        let axis = axis >= 0 && axis < rank
            ? axis : Shapes.normalizedAxis(axis, rank: rank, op: "sum").orFail()
        var outer = 1
        for d in shape[..<axis] { outer *= d }
        let length = shape[axis]
        var inner = 1
        for d in shape[(axis + 1)...] { inner *= d }
        let resultShape = Shapes.reduced(shape, axis: axis, keepingDimension: keepingDimension)
        return Tensor(shape: resultShape) { out in
            storage.withUnsafeBufferPointer { src in
                for o in 0..<outer {
                    let dst = o * inner
                    for j in 0..<inner { out[dst + j] = 0 }
                    for k in 0..<length {
                        let row = (o * length + k) * inner
                        for j in 0..<inner { out[dst + j] += src[row + j] }
                    }
                }
            }
        }
    }

    /// Sums a broadcast result back down to `target`, the shape of the operand that was
    /// broadcast: the vector–Jacobian product of broadcasting.
    ///
    /// - Precondition: `target` broadcasts to this tensor's shape.
    @inlinable
    public func summed(toShape target: TensorShape) -> Tensor {
        if target == shape { return self }
        if Shapes.count(target) == 1 { return sum().reshaped(to: target) }
        let rank = shape.count
        precondition(
            target.count <= rank
                && zip(target.reversed(), shape.reversed()).allSatisfy { $0 == $1 || $0 == 1 },
            "unbroadcast: \(Shapes.format(target)) does not broadcast to \(Shapes.format(shape))")
        var result = self
        // Leading axes the target lacks are summed away first.
        for _ in 0..<(rank - target.count) { result = result.sum(alongAxis: 0) }
        for axis in 0..<target.count where target[axis] == 1 && result.shape[axis] != 1 {
            result = result.sum(alongAxis: axis, keepingDimension: true)
        }
        return result.reshaped(to: target)
    }
}
