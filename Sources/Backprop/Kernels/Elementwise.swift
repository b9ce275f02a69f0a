// Element-wise and broadcast loops over unsafe buffers. The closures are inlined into
// each specialised caller, so the loops compile to plain vectorisable code.

extension Tensor {
    /// Applies `transform` to every element.
    @inlinable
    public func map(_ transform: (Scalar) -> Scalar) -> Tensor {
        borrowed.map(transform)
    }

    /// Combines two same-shaped tensors element by element.
    @inlinable
    public func zipMap(
        _ other: Tensor, op: String = "zip", file: StaticString = #fileID, line: UInt = #line,
        _ combine: (Scalar, Scalar) -> Scalar
    ) -> Tensor {
        borrowed.zipMap(other.borrowed, op: op, file: file, line: line, combine)
    }

    /// Combines two tensors element by element with NumPy broadcasting.
    ///
    /// - Precondition: the shapes broadcast; the message names `op` and both shapes.
    @inlinable
    public func broadcastMap(
        _ other: Tensor, op: String, symbol: String = ",", file: StaticString = #fileID,
        line: UInt = #line, _ combine: (Scalar, Scalar) -> Scalar
    ) -> Tensor {
        borrowed.broadcastMap(other.borrowed, op: op, symbol: symbol, file: file, line: line, combine)
    }
}

// The loops themselves, on operands read in place: the ops on variables call these on their
// inputs' values without retaining them (see ``BorrowedTensor``).
extension BorrowedTensor {
    @inlinable
    func map(_ transform: (Scalar) -> Scalar) -> Tensor<Scalar> {
        Tensor(shape: shape, count: count) { out in
            for i in 0..<count { out[i] = transform(scalars[i]) }
        }
    }

    @inlinable
    func zipMap(
        _ other: BorrowedTensor, op: String, file: StaticString = #fileID, line: UInt = #line,
        _ combine: (Scalar, Scalar) -> Scalar
    ) -> Tensor<Scalar> {
        Shapes.requireSame(shape, other.shape, op: op, file: file, line: line)
        return Tensor(shape: shape, count: count) { out in
            for i in 0..<count { out[i] = combine(scalars[i], other.scalars[i]) }
        }
    }

    @inlinable
    func broadcastMap(
        _ other: BorrowedTensor, op: String, symbol: String, file: StaticString = #fileID,
        line: UInt = #line, _ combine: (Scalar, Scalar) -> Scalar
    ) -> Tensor<Scalar> {
        let (aShape, bShape) = (shape, other.shape)
        if aShape == bShape { return zipMap(other, op: op, file: file, line: line, combine) }
        let resultShape = Shapes.broadcast(aShape, bShape, op: op, symbol: symbol)
            .orFail(file: file, line: line)
        return Tensor(shape: resultShape) { out in
            broadcastLoop(
                out: out, outShape: resultShape, a: buffer, aShape: aShape, b: other.buffer,
                bShape: bShape, combine)
        }
    }
}

/// Whether `shape`, leading 1s dropped, is the last axes of `outShape` (so that its
/// elements, in order, repeat every `shape`'s count elements of the output).
@inlinable
internal func repeatsAlongLeadingAxes(_ shape: TensorShape, of outShape: TensorShape) -> Bool {
    let axes = shape.drop { $0 == 1 }
    return axes.count <= outShape.count && outShape.suffix(axes.count).elementsEqual(axes)
}

/// The broadcast loop: fast paths for a scalar operand and for an operand made of the
/// output's trailing axes (a bias added to every row, a mask over every head), a strided
/// walk otherwise.
@inlinable
internal func broadcastLoop<Scalar>(
    out: UnsafeMutableBufferPointer<Scalar>, outShape: TensorShape,
    a: UnsafeBufferPointer<Scalar>, aShape: TensorShape,
    b: UnsafeBufferPointer<Scalar>, bShape: TensorShape,
    _ combine: (Scalar, Scalar) -> Scalar
) {
    let n = out.count
    if b.count == 1 {
        let bv = b[0]
        if a.count == n {
            for i in 0..<n { out[i] = combine(a[i], bv) }
            return
        }
    } else if a.count == 1 {
        let av = a[0]
        if b.count == n {
            for i in 0..<n { out[i] = combine(av, b[i]) }
            return
        }
    }
    // One operand whole, the other the output's trailing axes (a bias row, a [T, T] mask
    // over [B, H, T, T]): the smaller one repeats every `block` elements.
    if a.count == n, repeatsAlongLeadingAxes(bShape, of: outShape) {
        let block = b.count
        var base = 0
        while base < n {
            for j in 0..<block { out[base + j] = combine(a[base + j], b[j]) }
            base += block
        }
        return
    }
    if b.count == n, repeatsAlongLeadingAxes(aShape, of: outShape) {
        let block = a.count
        var base = 0
        while base < n {
            for j in 0..<block { out[base + j] = combine(a[j], b[base + j]) }
            base += block
        }
        return
    }
    // General case: broadcast strides (0 along broadcast axes) and an odometer index.
    let rank = outShape.count
    let aStrides = broadcastStrides(aShape, rank: rank)
    let bStrides = broadcastStrides(bShape, rank: rank)
    var index = [Int](repeating: 0, count: rank)
    var ia = 0
    var ib = 0
    for i in 0..<n {
        out[i] = combine(a[ia], b[ib])
        var axis = rank - 1
        while axis >= 0 {
            index[axis] += 1
            ia += aStrides[axis]
            ib += bStrides[axis]
            if index[axis] < outShape[axis] { break }
            ia -= aStrides[axis] * index[axis]
            ib -= bStrides[axis] * index[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}

/// Row-major strides of `shape` aligned to `rank` trailing axes, 0 where the size is 1.
@inlinable
internal func broadcastStrides(_ shape: TensorShape, rank: Int) -> [Int] {
    var strides = [Int](repeating: 0, count: rank)
    var step = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[rank - shape.count + i] = shape[i] == 1 ? 0 : step
        step *= shape[i]
    }
    return strides
}
