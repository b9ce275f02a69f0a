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
        let axis = Shapes.normalizedAxis(axis, rank: shape.count, op: "sum").orFail(file: file, line: line)
        let keptShape = Shapes.reduced(sourceShape, axis: axis, keepingDimension: true)
        return Variable(
            op: "sum", value: value.sum(alongAxis: axis, keepingDimension: keepingDimension),
            inputs: [self], file: file, line: line
        ) { _, g in [g.reshaped(to: keptShape).broadcast(toShape: sourceShape)] }
    }

    /// The mean of all elements.
    ///
    /// y = (1/n) Σᵢ xᵢ;  ∂y/∂xᵢ = 1/n.
    ///
    /// The mean of no element (n = 0) is 0/0 = NaN, as in NumPy and PyTorch: an empty batch
    /// shows in the loss instead of passing for a perfect 0. Its gradient is an empty tensor
    /// of the input's shape. A NaN element makes the mean NaN.
    @inlinable
    public func mean(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        // n = 0: the sum is 0 and 1/n is +∞, so the value is 0 · ∞ = NaN.
        sum(file: file, line: line).scaled(by: 1 / Scalar(value.count))
    }

    /// The mean along `axis`.
    ///
    /// yⱼ = (1/n) Σₖ x₍…k…₎ with n the axis size;  ∂f/∂x = ∇y / n broadcast along the axis.
    ///
    /// Along an empty axis (n = 0) every mean is 0/0 = NaN, as in NumPy and PyTorch, and the
    /// gradient is an empty tensor of the input's shape.
    @inlinable
    public func mean(
        alongAxis axis: Int, keepingDimension: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let a = Shapes.normalizedAxis(axis, rank: shape.count, op: "mean").orFail(file: file, line: line)
        // n = 0: sums of 0 scaled by 1/n = +∞ give NaN.
        return sum(alongAxis: a, keepingDimension: keepingDimension, file: file, line: line)
            .scaled(by: 1 / Scalar(shape[a]))
    }
}

// MARK: - Maximum, minimum and variance

extension Variable {
    /// The largest element along `axis` (negative counts from the end).
    ///
    /// yⱼ = maxₖ x₍…k…₎;  the gradient goes to the arg-max: ∂yⱼ/∂xₖ = 1 at the first index
    /// holding the maximum (ties: the lowest index), 0 elsewhere, exactly.
    /// NaN: a lane holding a NaN has maximum NaN (wherever the NaN is, as IEEE 754-2019
    /// `maximum`); its arg-max is the first NaN, whose derivative is NaN.
    ///
    /// ```swift
    /// Variable(Tensor<Double>([[1, 5], [7, 2]])).max(alongAxis: 1).value   // [5.0, 7.0]
    /// ```
    /// - Precondition: the axis is valid and not empty.
    @inlinable
    public func max(
        alongAxis axis: Int, keepingDimension: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        extremum(alongAxis: axis, keepingDimension: keepingDimension, op: "max", file: file, line: line) {
            $0 > $1
        }
    }

    /// The smallest element along `axis`; the gradient goes to the first arg-min (ties:
    /// the lowest index), 0 elsewhere; a lane holding a NaN has minimum NaN, with derivative
    /// NaN at its first NaN. See ``max(alongAxis:keepingDimension:file:line:)``.
    @inlinable
    public func min(
        alongAxis axis: Int, keepingDimension: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        extremum(alongAxis: axis, keepingDimension: keepingDimension, op: "min", file: file, line: line) {
            $0 < $1
        }
    }

    /// The largest element, as a rank-0 variable (gradient to the first arg-max in row-major
    /// order; NaN if any element is NaN, with derivative NaN at the first NaN). Derived:
    /// ``max(alongAxis:keepingDimension:file:line:)`` of the flattened variable.
    @inlinable
    public func max(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        reshaped(to: [value.count], file: file, line: line).max(alongAxis: 0, file: file, line: line)
    }

    /// The smallest element, as a rank-0 variable (gradient to the first arg-min; NaN if any
    /// element is NaN, with derivative NaN at the first NaN).
    @inlinable
    public func min(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        reshaped(to: [value.count], file: file, line: line).min(alongAxis: 0, file: file, line: line)
    }

    /// The element along `axis` that `prefers` (a strict order: `>` or `<`) over every other,
    /// the first on ties, and a NaN over any number (the first NaN): the value is NaN in any
    /// lane holding one. The backward routes the gradient through a constant mask (1 at the
    /// element picked, NaN there if it is NaN, 0 elsewhere), so it is linear in ∇y and
    /// differentiable again.
    @inlinable
    internal func extremum(
        alongAxis axis: Int, keepingDimension: Bool, op: String, file: StaticString, line: UInt,
        prefers: @escaping (Scalar, Scalar) -> Bool
    ) -> Variable {
        let axis = Shapes.normalizedAxis(axis, rank: shape.count, op: op).orFail(file: file, line: line)
        require(
            shape[axis] > 0, "\(op): axis \(axis) of \(Shapes.format(shape)) is empty",
            file: file, line: line)
        // `new` replaces `current` when preferred, or when it is the lane's first NaN.
        let picks: (Scalar, Scalar) -> Bool = { new, current in
            prefers(new, current) || (new.isNaN && !current.isNaN)
        }
        let mask = value.selectionMask(alongAxis: axis, prefers: picks)
        let keptShape = Shapes.reduced(shape, axis: axis, keepingDimension: true)
        let picked = value.reduce(alongAxis: axis, keepingDimension: keepingDimension, op: op) {
            picks($1, $0) ? $1 : $0
        }
        return Variable(op: op, value: picked, inputs: [self], file: file, line: line) { _, g in
            [g.reshaped(to: keptShape).broadcast(toShape: mask.shape).routed(by: mask)]
        }
    }

    /// The population variance along `axis` (dividing by the axis size n, not n − 1).
    /// Derived: the mean of the squared deviations from the mean.
    ///
    /// v = (1/n) Σₖ (xₖ − x̄)²;  ∂v/∂xₖ = (2/n)(xₖ − x̄).
    ///
    /// Along an empty axis (n = 0) the variance is NaN (a mean of nothing), as in NumPy and
    /// PyTorch, with an empty gradient. A NaN element makes its lane's variance NaN.
    ///
    /// ```swift
    /// Variable(Tensor<Double>([[1, 3], [2, 2]])).variance(alongAxis: 1).value   // [1.0, 0.0]
    /// ```
    @inlinable
    public func variance(
        alongAxis axis: Int, keepingDimension: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let deviation = self - mean(alongAxis: axis, keepingDimension: true, file: file, line: line)
        return deviation.squared(file: file, line: line)
            .mean(alongAxis: axis, keepingDimension: keepingDimension, file: file, line: line)
    }

    /// The population variance of all elements, as a rank-0 variable (NaN for no element).
    @inlinable
    public func variance(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        reshaped(to: [value.count], file: file, line: line).variance(alongAxis: 0, file: file, line: line)
    }
}
