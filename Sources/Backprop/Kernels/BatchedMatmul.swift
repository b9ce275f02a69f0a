// Batched matrix products: one gemm per batch entry on offsets into the same storage.

extension Tensor {
    /// The batched product of 3-D tensors: entry i is `op(self[i]) · op(other[i])`, where
    /// `op` transposes the last two axes when the flag is set.
    ///
    /// - Precondition: both are 3-D with equal batch sizes and matching inner sizes.
    @inlinable
    public func batchedMatmul(
        _ other: Tensor, transposingSelf: Bool = false, transposingOther: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        Tensor.batchedProduct(
            borrowed, other.borrowed, transposingA: transposingSelf, transposingB: transposingOther,
            file: file, line: line)
    }

    /// The batched product of two operands read in place (see ``BorrowedTensor``), times
    /// `alpha`; then `finish(i, entry)` on each entry's m × n result, right after its product
    /// and on the same thread, while it is in cache. The entries split over the CPUs when
    /// there is enough work.
    @inlinable
    internal static func batchedProduct(
        _ a: BorrowedTensor<Scalar>, _ b: BorrowedTensor<Scalar>, transposingA: Bool,
        transposingB: Bool, alpha: Scalar = 1, file: StaticString = #fileID, line: UInt = #line,
        finish: ((Int, UnsafeMutablePointer<Scalar>) -> Void)? = nil
    ) -> Tensor {
        let (aShape, bShape) = (a.shape, b.shape)
        func view(_ s: TensorShape, _ t: Bool) -> TensorShape { s.count == 3 && t ? [s[0], s[2], s[1]] : s }
        let result = Shapes.batchedMatmul(view(aShape, transposingA), view(bShape, transposingB))
            .orFail(file: file, line: line)
        let (batch, m, n) = (result[0], result[1], result[2])
        let k = transposingA ? aShape[1] : aShape[2]
        if m == 0 || n == 0 || batch == 0 { return Tensor.zeros(result) }
        let (aStride, bStride) = (aShape[1] * aShape[2], bShape[1] * bShape[2])
        return Tensor(shape: result, count: batch * m * n) { out in
            parallelRanges(batch, grain: batchedProductGrain / (m * n * Swift.max(k, 1)) + 1) { entries in
                let threads = entries.count < batch ? 1 : 0   // one thread per product when the entries are split
                for i in entries {
                    let c = out + i * m * n
                    if k == 0 {
                        c.update(repeating: 0, count: m * n)
                    } else {
                        Scalar.gemm(
                            transposeA: transposingA, transposeB: transposingB,
                            m: m, n: n, k: k, alpha: alpha,
                            a: a.scalars + i * aStride, lda: aShape[2],
                            b: b.scalars + i * bStride, ldb: bShape[2],
                            beta: 0, c: c, ldc: n, threads: threads)
                    }
                    finish?(i, c)
                }
            }
        }
    }
}

/// The multiply-adds from which a batched product's entries are split over the CPUs (the
/// GEMM's own threshold for one product is higher: its split has more overhead).
@usableFromInline let batchedProductGrain = 1 << 18
