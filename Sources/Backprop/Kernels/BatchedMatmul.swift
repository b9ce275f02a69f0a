// Batched matrix products: one gemm per batch entry on offsets into the same storage.

extension Tensor {
    /// The batched product of 3-D tensors: entry i is `op(self[i]) · op(other[i])`, where
    /// `op` transposes the last two axes when the flag is set.
    ///
    /// - Precondition: both are 3-D with equal batch sizes and matching inner sizes.
    @inlinable
    public func batchedMatmul(
        _ other: Tensor, transposingSelf: Bool = false, transposingOther: Bool = false
    ) -> Tensor {
        func view(_ s: TensorShape, _ t: Bool) -> TensorShape { s.count == 3 && t ? [s[0], s[2], s[1]] : s }
        let result = Shapes.batchedMatmul(
            view(shape, transposingSelf), view(other.shape, transposingOther)
        ).orFail()
        let (batch, m, n) = (result[0], result[1], result[2])
        let k = transposingSelf ? shape[1] : shape[2]
        if m == 0 || n == 0 || k == 0 || batch == 0 { return Tensor.zeros(result) }
        let (aStride, bStride) = (shape[1] * shape[2], other.shape[1] * other.shape[2])
        return Tensor(shape: result) { out in
            storage.withUnsafeBufferPointer { pa in
                other.storage.withUnsafeBufferPointer { pb in
                    for i in 0..<batch {
                        Scalar.gemm(
                            transposeA: transposingSelf, transposeB: transposingOther,
                            m: m, n: n, k: k, alpha: 1,
                            a: pa.baseAddress! + i * aStride, lda: shape[2],
                            b: pb.baseAddress! + i * bStride, ldb: other.shape[2],
                            beta: 0, c: out.baseAddress! + i * m * n, ldc: n, threads: 0)
                    }
                }
            }
        }
    }
}
