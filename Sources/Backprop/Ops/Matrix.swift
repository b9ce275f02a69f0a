// Matrix products and transposes. The backward of Y = A·B is two products with transposed
// operands, ∇A = ∇Y·Bᵀ and ∇B = Aᵀ·∇Y (derived in the Backprop catalog's article "How
// reverse mode works"), passed to the kernel as flags.

extension Variable {
    /// The matrix product `op(self) · op(other)`, `op` transposing (the last two axes) when
    /// the flag is set. By rank:
    /// - 2-D × 2-D: `[m, k] × [k, n] → [m, n]` (the primitive);
    /// - 3-D × 3-D: batched, `[b, m, k] × [b, k, n] → [b, m, n]` (the primitive, one product
    ///   per batch entry);
    /// - 2-D × 1-D: matrix–vector `[m, k] × [k] → [m]`; 1-D × 2-D: `[k] × [k, n] → [n]`;
    ///   3-D × 2-D: a shared right operand `[b, m, k] × [k, n] → [b, m, n]` — all three
    ///   derived by reshaping (vectors and flags: the vector is never transposed).
    ///
    /// Y = A·B;  ∇_A f = ∇Y·Bᵀ,  ∇_B f = Aᵀ·∇Y (derived in <doc:HowReverseModeWorks>; the
    /// transposed forms follow by transposing both sides; batched: the same per entry).
    ///
    /// ```swift
    /// let y = x.matmul(w)                 // [batch, in] × [in, out] → [batch, out]
    /// let scores = q.matmul(k, transposingOther: true)   // [b, t, d] × [b, t, d]ᵀ → [b, t, t]
    /// ```
    /// - Precondition: the ranks are one of the above and the inner sizes agree, or the
    ///   message reads `matmul: [3, 4] × [5, 2]: inner sizes 4 and 5 differ`.
    @inlinable
    public func matmul(
        _ other: Variable, transposingSelf: Bool = false, transposingOther: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        if !_isConcrete(Scalar.self), let y = concretely(
            float: {
                $0.matmulNode(other.retyped(), transposingSelf, transposingOther, file: file, line: line)
            },
            double: {
                $0.matmulNode(other.retyped(), transposingSelf, transposingOther, file: file, line: line)
            })
        { return y }
        return matmulNode(other, transposingSelf, transposingOther, file: file, line: line)
    }

    /// The body of ``matmul(_:transposingSelf:transposingOther:file:line:)`` (see
    /// ConcreteDispatch.swift).
    @inlinable
    internal func matmulNode(
        _ other: Variable, _ transposingSelf: Bool, _ transposingOther: Bool, file: StaticString, line: UInt
    ) -> Variable {
        switch (shape.count, other.shape.count) {
        case (2, 2), (3, 3): break
        case (2, 1):
            return matmul(
                other.reshaped(to: [other.shape[0], 1], file: file, line: line),
                transposingSelf: transposingSelf, file: file, line: line
            ).reshaped(to: [transposingSelf ? shape[1] : shape[0]], file: file, line: line)
        case (1, 2):
            return reshaped(to: [1, shape[0]], file: file, line: line).matmul(
                other, transposingOther: transposingOther, file: file, line: line
            ).reshaped(to: [transposingOther ? other.shape[0] : other.shape[1]], file: file, line: line)
        case (3, 2) where !transposingSelf:
            let (b, m) = (shape[0], shape[1])
            let product = reshaped(to: [b * m, shape[2]], file: file, line: line).matmul(
                other, transposingOther: transposingOther, file: file, line: line)
            return product.reshaped(to: [b, m, product.shape[1]], file: file, line: line)
        default:
            misuseFailure(
                "matmul: \(Shapes.format(shape)) × \(Shapes.format(other.shape)): unsupported ranks "
                    + "(2-D × 2-D, 3-D × 3-D, 2-D × 1-D, 1-D × 2-D, 3-D × 2-D)", file: file, line: line)
        }
        // Operands read in place: the node keeps them alive.
        let product = storedValue.borrowed.product(
            other.storedValue.borrowed, transposingSelf: transposingSelf,
            transposingOther: transposingOther, file: file, line: line)
        let (tensorPullback, pullback): (TensorPullback, Pullback) =
            switch (transposingSelf, transposingOther) {
            case (false, false): matmulPullbacks(false, false)
            case (true, false): matmulPullbacks(true, false)
            case (false, true): matmulPullbacks(false, true)
            case (true, true): matmulPullbacks(true, true)
            }
        return Variable(
            op: "matmul", value: product, operands: self, other, file: file, line: line,
            tensorPullback: tensorPullback, pullback: pullback)
    }

    /// The transpose of a 2-D variable.
    ///
    /// Y = Xᵀ;  ∇_X f = (∇Y)ᵀ.
    @inlinable
    public func transposed(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        Variable(op: "transpose", value: value.transposed(), inputs: [self], file: file, line: line)
        { _, g in [g.transposed()] }
    }
}

/// What the matmul pullback needs of its operands: the product with either side
/// transposed. Tensors read in place (first order) and variables (recorded, for higher
/// order) both have it, so the vector–Jacobian product below is written once.
@usableFromInline
internal protocol MatrixProductOperand {
    associatedtype Product
    func product(_ other: Self, transposingSelf: Bool, transposingOther: Bool) -> Product
}

extension BorrowedTensor: MatrixProductOperand {
    /// The 2-D or batched product (both operands have the same rank here).
    @inlinable
    func product(_ other: BorrowedTensor, transposingSelf: Bool, transposingOther: Bool)
        -> Tensor<Scalar>
    {
        product(
            other, transposingSelf: transposingSelf, transposingOther: transposingOther,
            file: #fileID, line: #line)
    }

    /// The same, stopping with a message at the caller's `file` and `line` when the shapes
    /// do not fit (the forward pass of `matmul`).
    @inlinable
    func product(
        _ other: BorrowedTensor, transposingSelf: Bool, transposingOther: Bool,
        file: StaticString, line: UInt
    ) -> Tensor<Scalar> {
        rank == 2
            ? Tensor.product(
                self, other, transposingA: transposingSelf, transposingB: transposingOther,
                file: file, line: line)
            : Tensor.batchedProduct(
                self, other, transposingA: transposingSelf, transposingB: transposingOther,
                file: file, line: line)
    }
}

extension Variable: MatrixProductOperand {
    @inlinable
    func product(_ other: Variable, transposingSelf: Bool, transposingOther: Bool) -> Variable {
        matmul(other, transposingSelf: transposingSelf, transposingOther: transposingOther)
    }
}

/// The pullbacks of a matmul node for the given transpose flags. Called with literal flags,
/// so once inlined the closures capture nothing: the operands come from the output node,
/// and recording the node allocates no closure context.
@inlinable @inline(__always)
internal func matmulPullbacks<Scalar>(_ transposingSelf: Bool, _ transposingOther: Bool) -> (
    Variable<Scalar>.TensorPullback, Variable<Scalar>.Pullback
) {
    (
        { y, g in
            let (a, b) = (y.borrowedInput(at: 0), y.borrowedInput(at: 1))
            let (ga, gb) = matmulPullback(
                a.value, b.value, g.borrowed, transposingSelf: transposingSelf,
                transposingOther: transposingOther, needs: (a.requiresGradient, b.requiresGradient))
            return InputGradients(consume ga, consume gb)
        },
        { y, g in
            let (a, b) = (y.input(at: 0), y.input(at: 1))
            let (ga, gb) = matmulPullback(
                a, b, g, transposingSelf: transposingSelf, transposingOther: transposingOther,
                needs: (a.requiresGradient, b.requiresGradient))
            return [ga, gb]
        }
    )
}

/// The gradients of Y = op(A)·op(B): ∇A = ∇Y·Bᵀ and ∇B = Aᵀ·∇Y for plain operands, and the
/// transposed forms (transpose both sides) for the flags.
@inlinable
internal func matmulPullback<T: MatrixProductOperand>(
    _ a: T, _ b: T, _ g: T, transposingSelf: Bool, transposingOther: Bool, needs: (Bool, Bool)
) -> (T.Product?, T.Product?) {
    switch (transposingSelf, transposingOther) {
    case (false, false):
        return (
            needs.0 ? g.product(b, transposingSelf: false, transposingOther: true) : nil,
            needs.1 ? a.product(g, transposingSelf: true, transposingOther: false) : nil
        )
    case (true, false):
        return (
            needs.0 ? b.product(g, transposingSelf: false, transposingOther: true) : nil,
            needs.1 ? a.product(g, transposingSelf: false, transposingOther: false) : nil
        )
    case (false, true):
        return (
            needs.0 ? g.product(b, transposingSelf: false, transposingOther: false) : nil,
            needs.1 ? g.product(a, transposingSelf: true, transposingOther: false) : nil
        )
    case (true, true):
        return (
            needs.0 ? b.product(g, transposingSelf: true, transposingOther: true) : nil,
            needs.1 ? g.product(a, transposingSelf: true, transposingOther: true) : nil
        )
    }
}
