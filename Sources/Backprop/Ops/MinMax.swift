// Element-wise maximum, minimum and clamping. The backward routes the gradient through a
// constant mask (`routed(by:)`): the branch taken gets ∇y, the other exactly 0 — never
// NaN, even where ∇y is ±∞ — and the result is linear in ∇y, so it can be differentiated
// again.
//
// NaN rule (all of these ops, and the max / min reductions): NaN wins. A NaN operand makes
// the result NaN whichever side it is on, as IEEE 754-2019 `maximum` / `minimum` do
// (`Swift.max` keeps or drops a NaN depending on the argument order, and
// `FloatingPoint.maximum`, IEEE maxNum, drops it). The branch taken is the NaN operand (the
// first when both are) and the derivative there is NaN, so the gradient reaching it is
// ∇ · NaN. A NaN input never leaves only finite values and derivatives behind: a
// divergence cannot vanish from a loss or its gradient.

/// The element-wise maximum with broadcasting.
///
/// y = max(a, b);  ∂y/∂a = 1 where a ≥ b, else 0;  ∂y/∂b = 1 where a < b, else 0.
/// Tie rule: where a = b the gradient goes to the first operand `a`, the second gets 0.
/// NaN: y is NaN where a or b is; the NaN operand (`a` when both are) gets ∂y = NaN, the
/// other 0.
///
/// ```swift
/// maximum(x, Variable(Tensor(0.0)))   // a relu whose ties (x = 0) pass the gradient
/// ```
@inlinable
public func maximum<Scalar>(
    _ a: Variable<Scalar>, _ b: Variable<Scalar>, file: StaticString = #fileID,
    line: UInt = #line
) -> Variable<Scalar> {
    select(a, b, op: "maximum", file: file, line: line) { $0 >= $1 || $0.isNaN }
}

/// The element-wise minimum with broadcasting.
///
/// y = min(a, b);  ∂y/∂a = 1 where a ≤ b, else 0;  ∂y/∂b = 1 where a > b, else 0.
/// Tie rule: where a = b the gradient goes to the first operand `a`, the second gets 0.
/// NaN: y is NaN where a or b is; the NaN operand (`a` when both are) gets ∂y = NaN, the
/// other 0.
@inlinable
public func minimum<Scalar>(
    _ a: Variable<Scalar>, _ b: Variable<Scalar>, file: StaticString = #fileID,
    line: UInt = #line
) -> Variable<Scalar> {
    select(a, b, op: "minimum", file: file, line: line) { $0 <= $1 || $0.isNaN }
}

/// `maximum(a, constant)`: ties pass the gradient to `a`; a NaN in `a` gives NaN (value and
/// ∂y/∂a).
@inlinable
public func maximum<Scalar>(
    _ a: Variable<Scalar>, _ b: Scalar, file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    maximum(a, Variable(Tensor(b)), file: file, line: line)
}

/// `maximum(constant, b)`: ties go to the constant, so `b` gets 0 there; a NaN in `b`
/// still gives NaN (value and ∂y/∂b).
@inlinable
public func maximum<Scalar>(
    _ a: Scalar, _ b: Variable<Scalar>, file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    maximum(Variable(Tensor(a)), b, file: file, line: line)
}

/// `minimum(a, constant)`: ties pass the gradient to `a`; a NaN in `a` gives NaN (value and
/// ∂y/∂a).
@inlinable
public func minimum<Scalar>(
    _ a: Variable<Scalar>, _ b: Scalar, file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    minimum(a, Variable(Tensor(b)), file: file, line: line)
}

/// `minimum(constant, b)`: ties go to the constant, so `b` gets 0 there; a NaN in `b`
/// still gives NaN (value and ∂y/∂b).
@inlinable
public func minimum<Scalar>(
    _ a: Scalar, _ b: Variable<Scalar>, file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    minimum(Variable(Tensor(a)), b, file: file, line: line)
}

/// y = a where `takesFirst(a, b)`, else b (broadcasting): the primitive of maximum and
/// minimum. `takesFirst` must hold where a is NaN and fail where only b is, so the NaN is
/// the branch taken.
///
/// The masks hold the derivative of y with respect to each operand: 1 on its branch (NaN
/// where its value there is NaN), 0 on the other.
@inlinable
internal func select<Scalar>(
    _ a: Variable<Scalar>, _ b: Variable<Scalar>, op: String, file: StaticString, line: UInt,
    takesFirst: (Scalar, Scalar) -> Bool
) -> Variable<Scalar> {
    let value = a.value.broadcastMap(b.value, op: op) { takesFirst($0, $1) ? $0 : $1 }
    let firstMask = a.requiresGradient
        ? a.value.broadcastMap(b.value, op: op) { takesFirst($0, $1) ? branchDerivative($0) : 0 }
        : nil
    let secondMask = b.requiresGradient
        ? a.value.broadcastMap(b.value, op: op) { takesFirst($0, $1) ? 0 : branchDerivative($1) }
        : nil
    return Variable(op: op, value: value, inputs: [a, b], file: file, line: line) { _, g in
        [
            firstMask.map { g.routed(by: $0).summed(toShape: a.shape) },
            secondMask.map { g.routed(by: $0).summed(toShape: b.shape) },
        ]
    }
}

/// The derivative of a branch that passes `x` through: 1, or NaN where `x` is NaN.
@inlinable
internal func branchDerivative<Scalar: TensorScalar>(_ x: Scalar) -> Scalar {
    x.isNaN ? .nan : 1
}

extension Variable {
    /// Every element limited to `[lower, upper]` (either bound optional).
    ///
    /// y = min(max(x, lower), upper);  ∂y/∂x = 1 where lower ≤ x ≤ upper (bounds included,
    /// like the tie rule of `maximum`), 0 outside, exactly. NaN: a NaN element stays NaN and
    /// its derivative is NaN.
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
        require(
            !lo.isNaN && !hi.isNaN, "clamp: a bound is NaN (lower \(lo), upper \(hi))",
            file: file, line: line)
        require(lo <= hi, "clamp: lower bound \(lo) exceeds upper bound \(hi)", file: file, line: line)
        // A NaN fails both comparisons: its value passes through and its derivative is NaN.
        return elementwise("clamp", file: file, line: line, { $0 < lo ? lo : $0 > hi ? hi : $0 }) {
            x, _, g in g.routed(by: x.value.map { $0 < lo || $0 > hi ? 0 : branchDerivative($0) })
        }
    }
}

extension Variable {
    /// ∇ ⊙ factors where a factor of 0 gives exactly 0, even where ∇ is ±∞ or NaN (plain
    /// multiplication would give NaN there): the backward of the piecewise ops, so the
    /// branch not taken never receives a NaN. A NaN factor (the derivative at a NaN input)
    /// gives NaN. The factors have the gradient's shape.
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
