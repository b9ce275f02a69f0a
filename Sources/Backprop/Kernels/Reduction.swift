// Reductions: all elements, along one axis, and back down to a broadcast operand's shape.

extension Tensor {
    /// The sum of all elements, as a rank-0 tensor.
    @inlinable
    public func sum() -> Tensor {
        var total: Scalar = 0
        storage.withUnsafeBufferPointer { for x in $0 { total += x } }
        return Tensor(total)
    }

    /// Sums along `axis` (negative counts from the end), dropping it unless
    /// `keepingDimension`.
    ///
    /// Along an axis of length 1 the sum is the tensor itself: no scalar is added or
    /// copied, and a tensor passed by its last use becomes the result in place.
    ///
    /// ```swift
    /// let t: Tensor<Double> = [[1, 2], [3, 4]]
    /// t.sum(alongAxis: 0)   // [4.0, 6.0]
    /// ```
    @inlinable
    public consuming func sum(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
        var shape = self.shape
        let axis = axis >= 0 && axis < shape.count
            ? axis : Shapes.normalizedAxis(axis, rank: shape.count, op: "sum").orFail()
        switch shape[axis] {
        case 0:
            return Tensor.zeros(Shapes.reduced(shape, axis: axis, keepingDimension: keepingDimension))
        case 1:
            if keepingDimension { return self }
            shape.remove(at: axis)
            return (consume self).reshaped(to: shape)
        default:
            break
        }
        return reduce(alongAxis: axis, keepingDimension: keepingDimension, op: "sum", +)
    }

    /// Sums a broadcast result back down to `target`, the shape of the operand that was
    /// broadcast: the vector–Jacobian product of broadcasting.
    ///
    /// Axes that broadcasting only added with length 1 (a `[5]` bias against one `[1, 5]`
    /// row) cost no sum: ``sum(alongAxis:keepingDimension:)`` reshapes them away, in place
    /// when this tensor is passed by its last use.
    ///
    /// - Precondition: `target` broadcasts to this tensor's shape.
    @inlinable
    public consuming func summed(toShape target: TensorShape) -> Tensor {
        let shape = self.shape
        if target == shape { return self }
        if Shapes.count(target) == 1 { return sum().reshaped(to: target) }
        let rank = shape.count
        require(
            target.count <= rank
                && zip(target.reversed(), shape.reversed()).allSatisfy { $0 == $1 || $0 == 1 },
            "unbroadcast: \(Shapes.format(target)) does not broadcast to \(Shapes.format(shape))")
        var result = consume self
        // Leading axes the target lacks are summed away first.
        for _ in 0..<(rank - target.count) { result = (consume result).sum(alongAxis: 0) }
        for axis in 0..<target.count where target[axis] == 1 && result.shape[axis] != 1 {
            result = (consume result).sum(alongAxis: axis, keepingDimension: true)
        }
        return result.reshaped(to: target)
    }
}

/// Σ term(j) for j in 0..<count, in eight interleaved partial sums added pairwise at the end:
/// the additions do not wait on one another, so a row's sum runs at the adder's throughput
/// rather than its latency. (The order of the additions is not a plain loop's.)
@inlinable @inline(__always)
internal func interleavedSum<Scalar: TensorScalar>(_ count: Int, _ term: (Int) -> Scalar) -> Scalar {
    var (s0, s1, s2, s3, s4, s5, s6, s7) = (Scalar(0), Scalar(0), Scalar(0), Scalar(0), Scalar(0), Scalar(0), Scalar(0), Scalar(0))
    var j = 0
    while j + 8 <= count {
        (s0, s1, s2, s3) = (s0 + term(j), s1 + term(j + 1), s2 + term(j + 2), s3 + term(j + 3))
        (s4, s5, s6, s7) = (s4 + term(j + 4), s5 + term(j + 5), s6 + term(j + 6), s7 + term(j + 7))
        j += 8
    }
    while j < count {
        s0 += term(j)
        j += 1
    }
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}
