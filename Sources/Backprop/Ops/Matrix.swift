// Matrix products and transposes. The backward of a product is two products with
// transposed operands, passed to the kernel as flags (lemmas 1 and 2 of the notes).

extension Variable {
    /// The matrix product `op(self) · op(other)` of 2-D variables, `op` transposing when
    /// the flag is set.
    ///
    /// Y = A·B;  ∇_A f = ∇Y·Bᵀ,  ∇_B f = Aᵀ·∇Y (lemmas 1 and 2 of the notes; the transposed
    /// forms follow by transposing both sides).
    ///
    /// ```swift
    /// let y = x.matmul(w)   // [batch, in] × [in, out] → [batch, out]
    /// ```
    /// - Precondition: both are 2-D and the inner sizes agree, or the message reads
    ///   `matmul: [3, 4] × [5, 2]: inner sizes 4 and 5 differ`.
    @inlinable
    public func matmul(
        _ other: Variable, transposingSelf: Bool = false, transposingOther: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let product = value.matmul(
            other.value, transposingSelf: transposingSelf, transposingOther: transposingOther)
        return Variable(
            op: "matmul", value: product, inputs: [self, other], file: file, line: line
        ) { _, g in
            let a = self
            let b = other
            let gradA: Variable?
            let gradB: Variable?
            switch (transposingSelf, transposingOther) {
            case (false, false):
                gradA = a.requiresGradient ? g.matmul(b, transposingOther: true) : nil
                gradB = b.requiresGradient ? a.matmul(g, transposingSelf: true) : nil
            case (true, false):
                gradA = a.requiresGradient ? b.matmul(g, transposingOther: true) : nil
                gradB = b.requiresGradient ? a.matmul(g) : nil
            case (false, true):
                gradA = a.requiresGradient ? g.matmul(b) : nil
                gradB = b.requiresGradient ? g.matmul(a, transposingSelf: true) : nil
            case (true, true):
                gradA = a.requiresGradient
                    ? b.matmul(g, transposingSelf: true, transposingOther: true) : nil
                gradB = b.requiresGradient
                    ? g.matmul(a, transposingSelf: true, transposingOther: true) : nil
            }
            return [gradA, gradB]
        }
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
