// Matrix products and transposes on tensors. The product itself runs in the C kernels
// (packed, cache-blocked, SIMD); transposed operands are passed as flags, not copied.

extension Tensor {
    /// The matrix product `op(self) · op(other)` of 2-D tensors, where `op` transposes
    /// when the flag is set.
    ///
    /// ```swift
    /// let a: Tensor<Double> = [[1, 2], [3, 4]]
    /// a.matmul(a, transposingOther: true)   // a · aᵀ = [[5, 11], [11, 25]]
    /// ```
    /// - Precondition: both are 2-D and the inner sizes agree.
    @inlinable
    public func matmul(
        _ other: Tensor, transposingSelf: Bool = false, transposingOther: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        Tensor.product(
            borrowed, other.borrowed, transposingA: transposingSelf, transposingB: transposingOther,
            file: file, line: line)
    }

    /// op(a) · op(b) for operands read in place (see ``BorrowedTensor``): `matmul` on
    /// tensors, and the fused ops' forward and backward passes on their inputs' values.
    @inlinable
    internal static func product(
        _ a: BorrowedTensor<Scalar>, _ b: BorrowedTensor<Scalar>, transposingA: Bool,
        transposingB: Bool, op: String = "matmul", file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        guard a.rank == 2, b.rank == 2 else {
            // Not 2-D: let the shape rule produce the message.
            _ = Shapes.matmul(a.shape, b.shape, op: op).orFail(file: file, line: line)
            misuseFailure("\(op): operands are not 2-D", file: file, line: line)
        }
        let (a0, a1, b0, b1) = (a.size(0), a.size(1), b.size(0), b.size(1))
        let (m, k) = transposingA ? (a1, a0) : (a0, a1)
        let (k2, n) = transposingB ? (b1, b0) : (b0, b1)
        if k != k2 {
            _ = Shapes.matmul(TensorShape(m, k), TensorShape(k2, n), op: op)
                .orFail(file: file, line: line)
        }
        let shape = TensorShape(m, n)
        if m == 0 || n == 0 || k == 0 { return Tensor.zeros(shape) }
        return Tensor(shape: shape, count: m * n) { out in
            Scalar.gemm(
                transposeA: transposingA, transposeB: transposingB,
                m: m, n: n, k: k, alpha: 1, a: a.scalars, lda: a1, b: b.scalars, ldb: b1,
                beta: 0, c: out, ldc: n, threads: 0)
        }
    }

    /// The transpose of a 2-D tensor.
    @inlinable
    public func transposed(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        require(rank == 2, "transpose: \(Shapes.format(shape)) is not 2-D", file: file, line: line)
        let (rows, columns) = (shape[0], shape[1])
        return Tensor(shape: [columns, rows]) { out in
            storage.withUnsafeBufferPointer { src in
                for i in 0..<rows {
                    for j in 0..<columns { out[j * rows + i] = src[i * columns + j] }
                }
            }
        }
    }
}
