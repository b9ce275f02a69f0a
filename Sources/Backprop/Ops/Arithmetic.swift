// Element-wise arithmetic with NumPy broadcasting. The backward of a broadcast operand
// sums the gradient back down to the operand's shape (`summed(toShape:)`).

extension Variable {
    /// Element-wise sum with broadcasting (a bias row added to every row of a batch).
    ///
    /// y = a + b;  ∂y/∂a = 1, ∂y/∂b = 1, each summed over the axes it was broadcast along.
    ///
    /// ```swift
    /// let y = x.matmul(w) + b   // [32, 5] + [5] → [32, 5]
    /// ```
    @inlinable
    public func adding(_ other: Variable, file: StaticString = #fileID, line: UInt = #line)
        -> Variable
    {
        arithmetic(.add, other, file: file, line: line)
    }

    /// The node of ``adding(_:file:line:)``.
    @inlinable
    internal func addingNode(_ other: Variable, file: StaticString, line: UInt) -> Variable {
        // The pullbacks read the operands from the output node, so they capture nothing
        // (no closure context to allocate per node); values are read in place.
        Variable(
            op: "add", value: storedValue.borrowed.broadcastMap(
                other.storedValue.borrowed, op: "add", symbol: "+", file: file, line: line, +),
            operands: self, other, file: file, line: line,
            tensorPullback: { y, g in sumPullback(TensorPullbacks.self, y, consume g, subtracting: false) }
        ) { y, g in Array(sumPullback(VariablePullbacks.self, y, g, subtracting: false)) }
    }

    /// Element-wise difference with broadcasting.
    ///
    /// y = a − b;  ∂y/∂a = 1, ∂y/∂b = −1 (reduced to each operand's shape).
    @inlinable
    public func subtracting(_ other: Variable, file: StaticString = #fileID, line: UInt = #line)
        -> Variable
    {
        arithmetic(.subtract, other, file: file, line: line)
    }

    /// The node of ``subtracting(_:file:line:)``.
    @inlinable
    internal func subtractingNode(_ other: Variable, file: StaticString, line: UInt) -> Variable {
        Variable(
            op: "subtract", value: storedValue.borrowed.broadcastMap(
                other.storedValue.borrowed, op: "subtract", symbol: "-", file: file, line: line, -),
            operands: self, other, file: file, line: line,
            tensorPullback: { y, g in sumPullback(TensorPullbacks.self, y, consume g, subtracting: true) }
        ) { y, g in Array(sumPullback(VariablePullbacks.self, y, g, subtracting: true)) }
    }

    /// Element-wise (Hadamard) product with broadcasting.
    ///
    /// y = a ⊙ b;  ∂f/∂a = ∇y ⊙ b, ∂f/∂b = ∇y ⊙ a (reduced to each operand's shape).
    @inlinable
    public func multiplying(_ other: Variable, file: StaticString = #fileID, line: UInt = #line)
        -> Variable
    {
        arithmetic(.multiply, other, file: file, line: line)
    }

    /// The node of ``multiplying(_:file:line:)``.
    @inlinable
    internal func multiplyingNode(_ other: Variable, file: StaticString, line: UInt) -> Variable {
        Variable(
            op: "multiply", value: storedValue.borrowed.broadcastMap(
                other.storedValue.borrowed, op: "multiply", symbol: "*", file: file, line: line, *),
            operands: self, other, file: file, line: line,
            tensorPullback: { y, g in productPullback(TensorPullbacks.self, y, consume g) }
        ) { y, g in Array(productPullback(VariablePullbacks.self, y, g)) }
    }

    /// Every element times a constant.
    ///
    /// y = c·x;  ∂y/∂x = c.
    @inlinable
    public func scaled(by factor: Scalar, file: StaticString = #fileID, line: UInt = #line)
        -> Variable
    {
        Variable(op: "scale", value: value * factor, inputs: [self], file: file, line: line) {
            _, g in [g.scaled(by: factor)]
        }
    }

    /// Every element plus a constant.
    ///
    /// y = x + c;  ∂y/∂x = 1.
    @inlinable
    public func shifted(by offset: Scalar, file: StaticString = #fileID, line: UInt = #line)
        -> Variable
    {
        Variable(op: "shift", value: value + offset, inputs: [self], file: file, line: line) {
            _, g in [g]
        }
    }

    /// The negation.
    ///
    /// y = −x;  ∂y/∂x = −1.
    @inlinable
    public func negated(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        Variable(op: "negate", value: -value, inputs: [self], file: file, line: line) { _, g in
            [g.negated()]
        }
    }

    /// Element-wise quotient with broadcasting (IEEE: x/0 is ±∞ or NaN).
    ///
    /// y = a / b;  ∂y/∂a = 1/b, ∂y/∂b = −a/b² (each reduced to its operand's shape).
    ///
    /// ```swift
    /// let p = counts / counts.sum(alongAxis: 1, keepingDimension: true)   // rows sum to 1
    /// ```
    @inlinable
    public func dividing(_ other: Variable, file: StaticString = #fileID, line: UInt = #line)
        -> Variable
    {
        arithmetic(.divide, other, file: file, line: line)
    }

    /// The node of ``dividing(_:file:line:)``.
    @inlinable
    internal func dividingNode(_ other: Variable, file: StaticString, line: UInt) -> Variable {
        Variable(
            op: "divide", value: storedValue.borrowed.broadcastMap(
                other.storedValue.borrowed, op: "divide", symbol: "/", file: file, line: line, /),
            operands: self, other, file: file, line: line
        ) { _, g in
            let share = g / other
            return [
                self.requiresGradient ? share.summed(toShape: self.shape) : nil,
                other.requiresGradient
                    ? (share * self / other).negated().summed(toShape: other.shape) : nil,
            ]
        }
    }

    /// The element-wise arithmetic of two variables: the node of `operation`, recorded with
    /// a concrete scalar type from generic code (see ConcreteDispatch.swift).
    @inlinable @inline(__always)
    internal func arithmetic(
        _ operation: ElementwiseArithmetic, _ other: Variable, file: StaticString, line: UInt
    ) -> Variable {
        if !_isConcrete(Scalar.self), let y = concretely(
            float: { $0.arithmeticNode(operation, other.retyped(), file: file, line: line) },
            double: { $0.arithmeticNode(operation, other.retyped(), file: file, line: line) })
        { return y }
        return arithmeticNode(operation, other, file: file, line: line)
    }

    @inlinable @inline(__always)
    internal func arithmeticNode(
        _ operation: ElementwiseArithmetic, _ other: Variable, file: StaticString, line: UInt
    ) -> Variable {
        switch operation {
        case .add: addingNode(other, file: file, line: line)
        case .subtract: subtractingNode(other, file: file, line: line)
        case .multiply: multiplyingNode(other, file: file, line: line)
        case .divide: dividingNode(other, file: file, line: line)
        }
    }

    // Operators cannot take `#fileID` / `#line` defaults from their caller, so the nodes they
    // make record the location `operator <symbol>` (line 0) under anomaly detection; a
    // report then says so and suggests the method form (`adding(_:)`, …), which records the
    // caller's line.

    /// `lhs.adding(rhs)` (records no caller line; see ``SourceLocation/operatorLine``).
    @inlinable public static func + (lhs: Variable, rhs: Variable) -> Variable {
        lhs.adding(rhs, file: "operator +", line: SourceLocation.operatorLine)
    }
    /// `lhs.subtracting(rhs)`.
    @inlinable public static func - (lhs: Variable, rhs: Variable) -> Variable {
        lhs.subtracting(rhs, file: "operator -", line: SourceLocation.operatorLine)
    }
    /// `lhs.multiplying(rhs)` (element-wise; matrix products are `matmul`).
    @inlinable public static func * (lhs: Variable, rhs: Variable) -> Variable {
        lhs.multiplying(rhs, file: "operator *", line: SourceLocation.operatorLine)
    }
    /// `lhs.dividing(rhs)` (element-wise, broadcasting).
    @inlinable public static func / (lhs: Variable, rhs: Variable) -> Variable {
        lhs.dividing(rhs, file: "operator /", line: SourceLocation.operatorLine)
    }
    /// `rhs.scaled(by: lhs)`.
    @inlinable public static func * (lhs: Scalar, rhs: Variable) -> Variable {
        rhs.scaled(by: lhs, file: "operator *", line: SourceLocation.operatorLine)
    }
    /// `lhs.scaled(by: rhs)`.
    @inlinable public static func * (lhs: Variable, rhs: Scalar) -> Variable {
        lhs.scaled(by: rhs, file: "operator *", line: SourceLocation.operatorLine)
    }
    /// `lhs.scaled(by: 1 / rhs)`.
    @inlinable public static func / (lhs: Variable, rhs: Scalar) -> Variable {
        lhs.scaled(by: 1 / rhs, file: "operator /", line: SourceLocation.operatorLine)
    }
    /// A constant divided by every element: `Variable(Tensor(lhs)).dividing(rhs)`.
    @inlinable public static func / (lhs: Scalar, rhs: Variable) -> Variable {
        Variable(Tensor(lhs)).dividing(rhs, file: "operator /", line: SourceLocation.operatorLine)
    }
    /// `lhs.shifted(by: rhs)`.
    @inlinable public static func + (lhs: Variable, rhs: Scalar) -> Variable {
        lhs.shifted(by: rhs, file: "operator +", line: SourceLocation.operatorLine)
    }
    /// `rhs.shifted(by: lhs)`.
    @inlinable public static func + (lhs: Scalar, rhs: Variable) -> Variable {
        rhs.shifted(by: lhs, file: "operator +", line: SourceLocation.operatorLine)
    }
    /// `lhs.shifted(by: -rhs)`.
    @inlinable public static func - (lhs: Variable, rhs: Scalar) -> Variable {
        lhs.shifted(by: -rhs, file: "operator -", line: SourceLocation.operatorLine)
    }
    /// `rhs.negated().shifted(by: lhs)`.
    @inlinable public static func - (lhs: Scalar, rhs: Variable) -> Variable {
        rhs.negated(file: "operator -", line: SourceLocation.operatorLine)
            .shifted(by: lhs, file: "operator -", line: SourceLocation.operatorLine)
    }
    /// `operand.negated()`.
    @inlinable public static prefix func - (operand: Variable) -> Variable {
        operand.negated(file: "operator -", line: SourceLocation.operatorLine)
    }
}

/// The element-wise operations of two variables that `Variable.arithmetic(_:_:file:line:)`
/// records.
@usableFromInline
internal enum ElementwiseArithmetic {
    case add, subtract, multiply, divide
}

/// The gradients of y = a ± b: ∇a = ∇y and ∇b = ±∇y, each summed back to its operand's
/// shape. Written once for both paths of the sweep (``PullbackAlgebra``).
@inlinable @inline(__always)
internal func sumPullback<A: PullbackAlgebra>(
    _: A.Type, _ y: Variable<A.Scalar>, _ g: consuming A.Gradient, subtracting: Bool
) -> InputGradients<A.Gradient> {
    let (a, b) = (A.input(of: y, at: 0), A.input(of: y, at: 1))
    let ga = a.needsGradient ? A.reduce(copy g, toShape: A.shape(of: a.value)) : nil
    guard b.needsGradient else { return InputGradients(ga, nil) }
    let gb = A.reduce(consume g, toShape: A.shape(of: b.value))
    return InputGradients(ga, subtracting ? A.negate(gb) : gb)
}

/// The gradients of y = a ⊙ b: ∇a = ∇y ⊙ b and ∇b = ∇y ⊙ a, each summed back to its
/// operand's shape. Written once for both paths of the sweep (``PullbackAlgebra``).
@inlinable @inline(__always)
internal func productPullback<A: PullbackAlgebra>(
    _: A.Type, _ y: Variable<A.Scalar>, _ g: consuming A.Gradient
) -> InputGradients<A.Gradient> {
    let (a, b) = (A.input(of: y, at: 0), A.input(of: y, at: 1))
    return InputGradients(
        a.needsGradient ? A.reduce(A.multiply(g, b.value), toShape: A.shape(of: a.value)) : nil,
        b.needsGradient ? A.reduce(A.multiply(g, a.value), toShape: A.shape(of: b.value)) : nil)
}
