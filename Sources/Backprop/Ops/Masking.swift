// Ops steered by a constant mask (a tensor of 1 and 0, see Kernels/Comparison.swift):
// choosing between two variables and filling masked positions. The gradient is routed by
// the mask (`routed(by:)`): the branch taken gets ∇y, the other exactly 0 — never NaN, even
// where ∇y is ±∞ or the other branch's value is NaN — and it is linear in ∇y, so it can be
// differentiated again.

/// `a` where `mask` is non-zero, else `b`, element-wise with NumPy broadcasting of all three
/// (PyTorch's `torch.where`).
///
/// y = m ? a : b;  ∇a = ∇y where m, else 0;  ∇b = ∇y where not m, else 0 (each summed back
/// to its operand's shape). NaN in the branch not taken does not reach y or the gradients.
///
/// ```swift
/// select(where: x.value .> 0, x, x.scaled(by: 0.1))   // a leaky relu
/// ```
/// - Precondition: the shapes of `mask`, `a` and `b` broadcast together.
@inlinable
public func select<Scalar>(
    where mask: Tensor<Scalar>, _ a: Variable<Scalar>, _ b: Variable<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> Variable<Scalar> {
    let shape = Shapes.broadcast(mask.shape, a.shape, op: "select", symbol: "|")
        .flatMap { Shapes.broadcast($0, b.shape, op: "select", symbol: "|") }.orFail(file: file, line: line)
    let taken = mask.broadcastMap(Tensor.zeros(shape), op: "select") { m, _ in m != 0 ? 1 : 0 }
    // Each branch zeroed where it is not taken, then added: a NaN or ∞ in the branch not
    // taken never reaches y.
    let value = taken.broadcastMap(a.value, op: "select") { m, x in m != 0 ? x : 0 }
        + taken.broadcastMap(b.value, op: "select") { m, x in m != 0 ? 0 : x }
    let notTaken = taken.maskComplement()
    return Variable(op: "select", value: value, inputs: [a, b], file: file, line: line) { _, g in
        [
            a.requiresGradient ? g.routed(by: taken).summed(toShape: a.shape) : nil,
            b.requiresGradient ? g.routed(by: notTaken).summed(toShape: b.shape) : nil,
        ]
    }
}

extension Variable {
    /// This variable with `value` written where `mask` is non-zero (the mask broadcasts to
    /// this variable's shape): attention scores masked with −∞, padding zeroed.
    ///
    /// y = m ? c : x;  ∇x = ∇y where not m, else 0.
    ///
    /// ```swift
    /// scores.maskedFill(where: Tensor.causalMask(length: t).maskComplement(), with: -.infinity)
    /// ```
    /// - Precondition: `mask` broadcasts to this variable's shape.
    @inlinable
    public func maskedFill(
        where mask: Tensor<Scalar>, with fill: Scalar, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let shape = self.shape
        let fits = (try? Shapes.broadcast(mask.shape, shape, op: "maskedFill").get()) == shape
        require(
            fits,
            "maskedFill: mask \(Shapes.format(mask.shape)) does not broadcast to \(Shapes.format(shape))",
            file: file, line: line)
        let kept = value.broadcastMap(mask, op: "maskedFill") { _, m in m != 0 ? 0 : 1 }
        let filled = value.zipMap(kept, op: "maskedFill") { x, k in k != 0 ? x : fill }
        return Variable(op: "maskedFill", value: filled, inputs: [self], file: file, line: line) {
            _, g in [g.routed(by: kept)]
        }
    }
}
