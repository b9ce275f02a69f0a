// Sine and cosine, element-wise (positional encodings, periodic features). Each backward is
// the other function, written with variable ops so it can be differentiated again.

extension Variable {
    /// The sine, element-wise (radians).
    ///
    /// y = sin x;  ∂y/∂x = cos x.
    ///
    /// ```swift
    /// Variable(Tensor<Double>([0, .pi / 2])).sin().value   // [0.0, 1.0]
    /// ```
    @inlinable
    public func sin(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        elementwise("sin", file: file, line: line, Scalar.sin) { x, _, g in g * x.cos() }
    }

    /// The cosine, element-wise (radians).
    ///
    /// y = cos x;  ∂y/∂x = −sin x.
    ///
    /// ```swift
    /// Variable(Tensor<Double>([0, .pi])).cos().value   // [1.0, -1.0]
    /// ```
    @inlinable
    public func cos(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        elementwise("cos", file: file, line: line, Scalar.cos) { x, _, g in (g * x.sin()).negated() }
    }
}
