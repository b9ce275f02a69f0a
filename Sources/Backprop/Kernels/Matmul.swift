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
        _ other: Tensor, transposingSelf: Bool = false, transposingOther: Bool = false
    ) -> Tensor {
        matmul(other, transposingSelf: transposingSelf, transposingOther: transposingOther, shapedAs: nil)
    }

    /// The product, reusing `resultShape` (when given, it must be `[m, n]`) as the result's
    /// shape array: backward passes pass an input's shape so no new array is allocated.
    @inlinable
    internal func matmul(
        _ other: Tensor, transposingSelf: Bool, transposingOther: Bool, shapedAs resultShape: TensorShape?
    ) -> Tensor {
        guard shape.count == 2, other.shape.count == 2 else {
            // Not 2-D: let the shape rule produce the message.
            _ = Shapes.matmul(shape, other.shape).orFail()
            preconditionFailure("unreachable")
        }
        let (m, k) = transposingSelf ? (shape[1], shape[0]) : (shape[0], shape[1])
        let (k2, n) = transposingOther ? (other.shape[1], other.shape[0]) : (other.shape[0], other.shape[1])
        if k != k2 {
            _ = Shapes.matmul([m, k], [k2, n]).orFail()
        }
        let result: TensorShape
        if let resultShape {
            precondition(
                resultShape.count == 2 && resultShape[0] == m && resultShape[1] == n,
                "matmul: result shape \(Shapes.format(resultShape)) is not [\(m), \(n)]")
            result = resultShape
        } else {
            result = [m, n]
        }
        if m == 0 || n == 0 || k == 0 { return Tensor.zeros(result) }
        return Tensor(shape: result) { out in
            storage.withUnsafeBufferPointer { pa in
                other.storage.withUnsafeBufferPointer { pb in
                    Scalar.gemm(
                        transposeA: transposingSelf, transposeB: transposingOther,
                        m: m, n: n, k: k, alpha: 1,
                        a: pa.baseAddress!, lda: shape[1],
                        b: pb.baseAddress!, ldb: other.shape[1],
                        beta: 0, c: out.baseAddress!, ldc: n, threads: 0)
                }
            }
        }
    }

    /// The transpose of a 2-D tensor.
    @inlinable
    public func transposed() -> Tensor {
        precondition(rank == 2, "transpose: \(Shapes.format(shape)) is not 2-D")
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
