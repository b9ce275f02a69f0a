// Reductions along one axis with any combining rule (max, min), and the arg-max / arg-min
// masks the backward of max and min needs.

/// A shape split around one axis: `outer` blocks of `length` × `inner` elements.
@usableFromInline
internal struct AxisSplit {
    @usableFromInline let outer: Int
    @usableFromInline let length: Int
    @usableFromInline let inner: Int

    @inlinable
    init(_ shape: TensorShape, axis: Int) {
        var (outer, inner) = (1, 1)
        for i in 0..<axis { outer &*= shape[i] }
        for i in (axis + 1)..<shape.count { inner &*= shape[i] }
        (self.outer, self.length, self.inner) = (outer, shape[axis], inner)
    }
}

extension Tensor {
    /// Reduces along `axis` with `combine`, starting from the first element of each lane.
    ///
    /// - Precondition: the axis is valid and not empty; messages name `op`.
    @inlinable
    public func reduce(
        alongAxis axis: Int, keepingDimension: Bool = false, op: String,
        _ combine: (Scalar, Scalar) -> Scalar
    ) -> Tensor {
        let shape = self.shape  // read once: each read copies it out of the buffer
        let axis = axis >= 0 && axis < shape.count
            ? axis : Shapes.normalizedAxis(axis, rank: shape.count, op: op).orFail()
        require(shape[axis] > 0, "\(op): axis \(axis) of \(Shapes.format(shape)) is empty")
        let s = AxisSplit(shape, axis: axis)
        let resultShape = Shapes.reduced(shape, axis: axis, keepingDimension: keepingDimension)
        let src = borrowed.scalars
        return Tensor(shape: resultShape, count: s.outer &* s.inner) { out in
            if s.inner == 1 {  // the last axis (a softmax's): one running value per row
                for o in 0..<s.outer {
                    let row = src + o &* s.length
                    var value = row[0]
                    for k in 1..<s.length { value = combine(value, row[k]) }
                    out[o] = value
                }
                return
            }
            for o in 0..<s.outer {
                let dst = out + o &* s.inner
                let block = src + o &* s.length &* s.inner
                for j in 0..<s.inner { dst[j] = block[j] }
                for k in 1..<s.length {
                    let row = block + k &* s.inner
                    for j in 0..<s.inner { dst[j] = combine(dst[j], row[j]) }
                }
            }
        }
    }

    /// The largest element along `axis`; NaN in a lane holding a NaN, wherever it is (IEEE
    /// 754-2019 `maximum`).
    ///
    /// - Precondition: the axis is valid and not empty.
    @inlinable
    public func max(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
        // Once the running value is NaN, `$1 > $0` fails, so it stays NaN.
        reduce(alongAxis: axis, keepingDimension: keepingDimension, op: "max") {
            $1 > $0 || $1.isNaN ? $1 : $0
        }
    }

    /// A tensor of this shape holding, in each lane along `axis`, the derivative of the
    /// selection at the element that `prefers` over every later one (`prefers(new, current)`;
    /// the first arg-max for `>`): 1 there, NaN if that element is NaN; 0 elsewhere.
    @inlinable
    internal func selectionMask(alongAxis axis: Int, prefers: (Scalar, Scalar) -> Bool)
        -> Tensor
    {
        let s = AxisSplit(shape, axis: axis)
        var mask = Tensor.zeros(shape)
        storage.withUnsafeBufferPointer { src in
            mask.withUnsafeMutableBufferPointer { m in
                for o in 0..<s.outer {
                    for j in 0..<s.inner {
                        var best = o * s.length * s.inner + j
                        for k in 1..<Swift.max(s.length, 1) {
                            let i = (o * s.length + k) * s.inner + j
                            if prefers(src[i], src[best]) { best = i }
                        }
                        if s.length > 0 { m[best] = src[best].isNaN ? .nan : 1 }
                    }
                }
            }
        }
        return mask
    }
}
