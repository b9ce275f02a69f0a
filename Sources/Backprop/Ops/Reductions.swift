// Sums and means, over all elements or along one axis.

extension Variable {
    /// The sum of all elements, as a rank-0 variable.
    ///
    /// y = Σᵢ xᵢ;  ∂y/∂xᵢ = 1.
    ///
    /// ```swift
    /// Variable(Tensor<Double>([[1, 2], [3, 4]])).sum().value   // 10.0
    /// ```
    @inlinable
    public func sum(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let sourceShape = shape
        return Variable(op: "sum", value: value.sum(), inputs: [self], file: file, line: line) {
            _, g in [g.broadcast(toShape: sourceShape)]
        }
    }

    /// The sum along `axis` (negative counts from the end), dropping the axis unless
    /// `keepingDimension`.
    ///
    /// yⱼ = Σₖ x₍…k…₎;  ∂f/∂x = ∇y broadcast back along the axis.
    @inlinable
    public func sum(
        alongAxis axis: Int, keepingDimension: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let sourceShape = shape
        let axis = Shapes.normalizedAxis(axis, rank: shape.count, op: "sum").orFail()
        let keptShape = Shapes.reduced(sourceShape, axis: axis, keepingDimension: true)
        return Variable(
            op: "sum", value: value.sum(alongAxis: axis, keepingDimension: keepingDimension),
            inputs: [self], file: file, line: line
        ) { _, g in [g.reshaped(to: keptShape).broadcast(toShape: sourceShape)] }
    }

    /// The mean of all elements.
    ///
    /// y = (1/n) Σᵢ xᵢ;  ∂y/∂xᵢ = 1/n.
    @inlinable
    public func mean(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        sum(file: file, line: line).scaled(by: 1 / Scalar(Swift.max(value.count, 1)))
    }

    /// The mean along `axis`.
    ///
    /// yⱼ = (1/n) Σₖ x₍…k…₎ with n the axis size;  ∂f/∂x = ∇y / n broadcast along the axis.
    @inlinable
    public func mean(
        alongAxis axis: Int, keepingDimension: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let a = Shapes.normalizedAxis(axis, rank: shape.count, op: "mean").orFail()
        return sum(alongAxis: a, keepingDimension: keepingDimension, file: file, line: line)
            .scaled(by: 1 / Scalar(Swift.max(shape[a], 1)))
    }
}
