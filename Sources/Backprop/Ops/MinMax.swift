// Element-wise maximum, minimum and clamping. The backward routes the gradient through a
// constant 0/1 mask (`routed(by:)`): the branch taken gets ∇y, the other exactly 0 — never
// NaN, even where ∇y is ±∞ — and the result is linear in ∇y, so it can be differentiated
// again.

/// The element-wise maximum with broadcasting.
///
/// y = max(a, b);  ∂y/∂a = 1 where a ≥ b, else 0;  ∂y/∂b = 1 where a < b, else 0.
/// Tie rule: where a = b the gradient goes to the first operand `a`, the second gets 0.
///
/// ```swift
/// maximum(x, Variable(Tensor(0.0)))   // a relu whose ties (x = 0) pass the gradient
/// ```
@inlinable
public func maximum<Scalar>(
    _ a: Variable<Scalar>, _ b: Variable<Scalar>, file: StaticString = #fileID,
    line: UInt = #line
) -> Variable<Scalar> {
    select(a, b, op: "maximum", file: file, line: line) { $0 >= $1 }
}

/// The element-wise minimum with broadcasting.
///
/// y = min(a, b);  ∂y/∂a = 1 where a ≤ b, else 0;  ∂y/∂b = 1 where a > b, else 0.
/// Tie rule: where a = b the gradient goes to the first operand `a`, the second gets 0.
@inlinable
public func minimum<Scalar>(
    _ a: Variable<Scalar>, _ b: Variable<Scalar>, file: StaticString = #fileID,
    line: UInt = #line
) -> Variable<Scalar> {
    select(a, b, op: "minimum", file: file, line: line) { $0 <= $1 }
}

/// `maximum(a, constant)`: ties pass the gradient to `a`.
@inlinable
public func maximum<Scalar>(
    _ a: Variable<Scalar>, _ b: Scalar, file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    maximum(a, Variable(Tensor(b)), file: file, line: line)
}

/// `maximum(constant, b)`: ties go to the constant, so `b` gets 0 there.
@inlinable
public func maximum<Scalar>(
    _ a: Scalar, _ b: Variable<Scalar>, file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    maximum(Variable(Tensor(a)), b, file: file, line: line)
}

/// `minimum(a, constant)`: ties pass the gradient to `a`.
@inlinable
public func minimum<Scalar>(
    _ a: Variable<Scalar>, _ b: Scalar, file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    minimum(a, Variable(Tensor(b)), file: file, line: line)
}

/// `minimum(constant, b)`: ties go to the constant, so `b` gets 0 there.
@inlinable
public func minimum<Scalar>(
    _ a: Scalar, _ b: Variable<Scalar>, file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    minimum(Variable(Tensor(a)), b, file: file, line: line)
}

/// y = a where `takesFirst(a, b)`, else b (broadcasting): the primitive of maximum and
/// minimum.
@inlinable
internal func select<Scalar>(
    _ a: Variable<Scalar>, _ b: Variable<Scalar>, op: String, file: StaticString, line: UInt,
    takesFirst: (Scalar, Scalar) -> Bool
) -> Variable<Scalar> {
    let mask = a.value.broadcastMap(b.value, op: op) { takesFirst($0, $1) ? 1 : 0 }
    let value = a.value.broadcastMap(b.value, op: op) { takesFirst($0, $1) ? $0 : $1 }
    return Variable(op: op, value: value, inputs: [a, b], file: file, line: line) { _, g in
        [
            a.requiresGradient ? g.routed(by: mask).summed(toShape: a.shape) : nil,
            b.requiresGradient ? g.routed(by: 1 - mask).summed(toShape: b.shape) : nil,
        ]
    }
}

extension Variable {
    /// Every element limited to `[lower, upper]` (either bound optional).
    ///
    /// y = min(max(x, lower), upper);  ∂y/∂x = 1 where lower ≤ x ≤ upper (bounds included,
    /// like the tie rule of ``maximum(_:_:file:line:)``), 0 outside, exactly.
    ///
    /// ```swift
    /// Variable(Tensor<Double>([-2, 0.5, 3])).clamped(lower: 0, upper: 1).value   // [0.0, 0.5, 1.0]
    /// ```
    /// - Precondition: `lower ≤ upper` when both are given.
    @inlinable
    public func clamped(
        lower: Scalar? = nil, upper: Scalar? = nil, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let lo = lower ?? -.infinity
        let hi = upper ?? .infinity
        require(lo <= hi, "clamp: lower bound \(lo) exceeds upper bound \(hi)")
        return elementwise("clamp", file: file, line: line, { Swift.min(Swift.max($0, lo), hi) }) {
            x, _, g in g.routed(by: x.value.map { $0 >= lo && $0 <= hi ? 1 : 0 })
        }
    }
}

extension Variable {
    /// ∇ ⊙ factors where a factor of 0 gives exactly 0, even where ∇ is ±∞ or NaN (plain
    /// multiplication would give NaN there): the backward of the piecewise ops, so the
    /// branch not taken never receives a NaN. The factors have the gradient's shape.
    ///
    /// y = f ⊙ ∇ (0 where f = 0);  linear in ∇, so its own backward is the same routing.
    @inlinable
    internal func routed(by factors: Tensor<Scalar>) -> Variable {
        Variable(
            op: "route", value: value.zipMap(factors, op: "route") { g, f in f == 0 ? 0 : g * f },
            inputs: [self]
        ) { _, h in [h.routed(by: factors)] }
    }
}
