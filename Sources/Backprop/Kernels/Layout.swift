// Copies that rearrange elements: axis permutation, slices along an axis and their
// adjoint (placing a slice into zeros), concatenation, and gathering / scatter-adding rows.

extension Tensor {
    /// The tensor with its axes reordered: axis i of the result is axis `axes[i]` of this one.
    ///
    /// - Precondition: `axes` is a permutation of `0..<rank`.
    @inlinable
    public func permuted(_ axes: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        _ = Shapes.permutation(shape, axes, op: "permute").orFail(file: file, line: line)
        let resultShape = TensorShape(axes.map { shape[$0] })
        if axes == Array(0..<rank) { return self }
        var sourceStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) {
            sourceStrides[i] = sourceStrides[i + 1] * shape[i + 1]
        }
        let strides = axes.map { sourceStrides[$0] }
        // When the last axis stays last, its rows are contiguous in both: the walk goes over
        // the other axes and copies a row at a time.
        let (walked, block) = axes.last == rank - 1 ? (rank - 1, shape[rank - 1]) : (rank, 1)
        return Tensor(shape: resultShape) { out in
            storage.withUnsafeBufferPointer { src in
                guard block > 0, let from = src.baseAddress, let to = out.baseAddress else { return }
                var index = [Int](repeating: 0, count: walked)
                var offset = 0
                for i in stride(from: 0, to: out.count, by: block) {
                    if block == 1 { to[i] = from[offset] } else { (to + i).update(from: from + offset, count: block) }
                    var axis = walked - 1
                    while axis >= 0 {
                        index[axis] += 1
                        offset += strides[axis]
                        if index[axis] < resultShape[axis] { break }
                        offset -= strides[axis] * index[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }

    /// The elements whose index along `axis` lies in `range`.
    ///
    /// - Precondition: the axis is valid and `range` lies within it.
    @inlinable
    public func sliced(
        alongAxis axis: Int, _ range: Range<Int>, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        let axis = Shapes.normalizedAxis(axis, rank: rank, op: "slice").orFail(file: file, line: line)
        let resultShape = Shapes.sliced(shape, axis: axis, range: range, op: "slice")
            .orFail(file: file, line: line)
        let s = AxisSplit(shape, axis: axis)
        let block = range.count * s.inner
        return Tensor(shape: resultShape) { out in
            storage.withUnsafeBufferPointer { src in
                for o in 0..<s.outer {
                    let from = (o * s.length + range.lowerBound) * s.inner
                    for j in 0..<block { out[o * block + j] = src[from + j] }
                }
            }
        }
    }

    /// A tensor of zeros whose size along `axis` is `size`, with this tensor placed at
    /// indices `offset..<offset + shape[axis]` along it: the adjoint of a slice.
    @inlinable
    public func placed(alongAxis axis: Int, at offset: Int, size: Int) -> Tensor {
        var resultShape = shape
        resultShape[axis] = size
        return Tensor.concatenated(
            [Tensor.zeros(withAxis(axis, size: offset)), self,
             Tensor.zeros(withAxis(axis, size: size - offset - shape[axis]))],
            alongAxis: axis)
    }

    @inlinable
    internal func withAxis(_ axis: Int, size: Int) -> TensorShape {
        var s = shape
        s[axis] = size
        return s
    }

    /// The tensors joined along `axis`; every other size must agree.
    @inlinable
    public static func concatenated(
        _ parts: [Tensor], alongAxis axis: Int, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        let shapes = parts.map(\.shape)
        let resultShape = Shapes.concatenated(shapes, axis: axis, op: "concatenate")
            .orFail(file: file, line: line)
        let axis = Shapes.normalizedAxis(axis, rank: resultShape.count, op: "concatenate")
            .orFail(file: file, line: line)
        let outer = Shapes.count(resultShape[..<axis])
        let inner = Shapes.count(resultShape[(axis + 1)...])
        let rowBlock = resultShape[axis] * inner
        return Tensor(shape: resultShape) { out in
            var start = 0
            for part in parts {
                let block = part.shape[axis] * inner
                part.withUnsafeBufferPointer { src in
                    for o in 0..<outer {
                        for j in 0..<block { out[o * rowBlock + start + j] = src[o * block + j] }
                    }
                }
                start += block
            }
        }
    }

    /// The rows (indices along axis 0) at `indices`, in order, repeats allowed.
    ///
    /// - Precondition: rank ≥ 1 and every index lies in `0..<shape[0]`.
    @inlinable
    public func gatheringRows(_ indices: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let rowShape = Shapes.rowGather(shape, indices, op: "gatherRows").orFail(file: file, line: line)
        let width = Shapes.count(rowShape)
        return Tensor(shape: [indices.count] + rowShape) { out in
            storage.withUnsafeBufferPointer { src in
                for (r, i) in indices.enumerated() {
                    for j in 0..<width { out[r * width + j] = src[i * width + j] }
                }
            }
        }
    }

    /// A tensor of `rowCount` rows, zero except that row r of this tensor is added into row
    /// `indices[r]`: the adjoint of ``gatheringRows(_:file:line:)``.
    @inlinable
    public func scatterAddingRows(
        _ indices: [Int], rowCount: Int, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        require(
            rank >= 1 && indices.count == shape[0],
            "scatterRows: \(indices.count) indices for \(Shapes.format(shape))", file: file, line: line)
        let rowShape = TensorShape(shape.dropFirst())
        _ = Shapes.rowGather([rowCount] + rowShape, indices, op: "scatterRows")
            .orFail(file: file, line: line)
        let width = Shapes.count(rowShape)
        var result = Tensor.zeros([rowCount] + rowShape)
        storage.withUnsafeBufferPointer { src in
            result.withUnsafeMutableBufferPointer { out in
                for (r, i) in indices.enumerated() {
                    for j in 0..<width { out[i * width + j] += src[r * width + j] }
                }
            }
        }
        return result
    }
}
