// Element-wise elementary functions: exp, log, square root, square, power, absolute value.
// Each backward is written with variable ops (so it can be differentiated again) and uses
// the saved output where that is cheaper than recomputing (exp, square root).

/// The first-order backward of an element-wise node `y = f(x)`: ∇x = ∇y ⊙ f′(x), in place in
/// ∇y, one pass. Called with a closure literal, the loop is specialised and can vectorise.
@inlinable @inline(__always)
internal func elementwiseTensorPullback<Scalar>(
    _ y: Variable<Scalar>, _ g: consuming Tensor<Scalar>, _ derivative: (Scalar) -> Scalar
) -> InputGradients<Tensor<Scalar>> {
    let x = y.borrowedInput(at: 0)
    guard x.requiresGradient else { return InputGradients(nil) }
    var g = g
    let xs = x.value.scalars
    g.withUnsafeMutableBufferPointer { buffer in
        let d = buffer.baseAddress!
        for i in 0..<buffer.count { d[i] *= derivative(xs[i]) }
    }
    return InputGradients(g)
}

extension Variable {
    /// The element-wise op with forward `transform` and a pullback written in variable ops:
    /// `pullback(x, y, ∇y)` returns ∇x. The building block of every op in this file.
    ///
    /// With `derivative` (f′(x) on one scalar, the same formula as `pullback`'s, written once
    /// generically: see ``ElementAlgebra``), the first-order backward is one pass,
    /// ∇xᵢ = ∇yᵢ f′(xᵢ), rather than the variable ops of `pullback`, which then serve
    /// gradients of gradients only.
    @inlinable
    internal func elementwise(
        _ op: String, file: StaticString, line: UInt, _ transform: (Scalar) -> Scalar,
        derivative: ((Scalar) -> Scalar)? = nil,
        pullback: @escaping (_ x: Variable, _ y: Variable, _ gradient: Variable) -> Variable
    ) -> Variable {
        Variable(
            op: op, value: value.map(transform), inputs: [self], file: file, line: line,
            tensorPullback: derivative.map { derivative in { y, g in elementwiseTensorPullback(y, g, derivative) } }
        ) { y, g in
            [pullback(self, y, g)]
        }
    }

    /// The exponential, element-wise.
    ///
    /// y = eˣ;  ∂y/∂x = eˣ = y (the saved output).
    ///
    /// ```swift
    /// Variable(Tensor<Double>([0, 1])).exp().value   // [1.0, 2.718281828459045]
    /// ```
    @inlinable
    public func exp(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        elementwise("exp", file: file, line: line, Scalar.exp) { _, y, g in g * y }
    }

    /// The natural logarithm, element-wise (−∞ at 0, NaN below).
    ///
    /// y = ln x;  ∂y/∂x = 1/x.
    ///
    /// ```swift
    /// Variable(Tensor<Double>([1, 1])).log().value   // [0.0, 0.0]
    /// ```
    @inlinable
    public func log(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        elementwise("log", file: file, line: line, Scalar.log) { x, _, g in g / x }
    }

    /// The square root, element-wise.
    ///
    /// y = √x;  ∂y/∂x = 1 / (2√x) = 1 / (2y) (infinite at 0).
    ///
    /// ```swift
    /// Variable(Tensor<Double>([4, 9])).squareRoot().value   // [2.0, 3.0]
    /// ```
    @inlinable
    public func squareRoot(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        elementwise("sqrt", file: file, line: line, { $0.squareRoot() }) { _, y, g in
            (g / y).scaled(by: 0.5)
        }
    }

    /// The square, element-wise.
    ///
    /// y = x²;  ∂y/∂x = 2x.
    ///
    /// ```swift
    /// Variable(Tensor<Double>([-3, 2])).squared().value   // [9.0, 4.0]
    /// ```
    @inlinable
    public func squared(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        elementwise("square", file: file, line: line, { $0 * $0 }) { x, _, g in
            (g * x).scaled(by: 2)
        }
    }

    /// Every element raised to a constant power (`pow` of the C library: a negative base
    /// with a non-integer exponent gives NaN).
    ///
    /// y = xᵖ;  ∂y/∂x = p·xᵖ⁻¹ (0 for p = 0).
    ///
    /// ```swift
    /// Variable(Tensor<Double>([2, 3])).pow(3).value   // [8.0, 27.0]
    /// ```
    @inlinable
    public func pow(_ exponent: Scalar, file: StaticString = #fileID, line: UInt = #line)
        -> Variable
    {
        elementwise("pow", file: file, line: line, { Scalar.pow($0, exponent) }) { x, _, g in
            exponent == 0 ? g.scaled(by: 0) : (g * x.pow(exponent - 1)).scaled(by: exponent)
        }
    }

    /// The absolute value, element-wise.
    ///
    /// y = |x|;  ∂y/∂x = sign(x), taken as 0 at x = 0 (a subgradient).
    ///
    /// ```swift
    /// Variable(Tensor<Double>([-2, 3])).abs().value   // [2.0, 3.0]
    /// ```
    @inlinable
    public func abs(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        elementwise("abs", file: file, line: line, { Swift.abs($0) }) { x, _, g in
            g.routed(by: x.value.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) })
        }
    }
}
