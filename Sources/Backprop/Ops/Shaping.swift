// Shape ops: reshape, broadcasting to a larger shape, and its adjoint, summing back down.

extension Variable {
    /// The value repeated along new leading axes and along axes of size 1 to fill `target`.
    ///
    /// y = broadcast(x);  ∂f/∂x = ∇y summed over the broadcast axes.
    ///
    /// - Precondition: the shape broadcasts to `target`.
    @inlinable
    public func broadcast(toShape target: [Int], file: StaticString = #fileID, line: UInt = #line)
        -> Variable
    {
        if target == shape { return self }
        let resultShape = Shapes.broadcast(shape, target, op: "broadcast", symbol: "to").orFail()
        precondition(
            resultShape == target,
            "broadcast: \(Shapes.format(shape)) to \(Shapes.format(target)): the target is not "
                + "a broadcast of the shape")
        let sourceShape = shape
        let expanded = Tensor<Scalar>.zeros(target) + value
        return Variable(op: "broadcast", value: expanded, inputs: [self], file: file, line: line) {
            _, g in [g.summed(toShape: sourceShape)]
        }
    }

    /// The value summed down to `target`, a shape that broadcasts to this one: the adjoint
    /// of ``broadcast(toShape:file:line:)``, used by every broadcasting op's backward.
    ///
    /// y = Σ over broadcast axes of x;  ∂f/∂x = ∇y broadcast back to x's shape.
    @inlinable
    public func summed(toShape target: [Int], file: StaticString = #fileID, line: UInt = #line)
        -> Variable
    {
        if target == shape { return self }
        let sourceShape = shape
        return Variable(
            op: "sumToShape", value: value.summed(toShape: target), inputs: [self], file: file,
            line: line
        ) { _, g in [g.broadcast(toShape: sourceShape)] }
    }

    /// The same values under another shape with as many elements.
    ///
    /// y = reshape(x);  ∇x = reshape(∇y) back to x's shape.
    @inlinable
    public func reshaped(to newShape: [Int], file: StaticString = #fileID, line: UInt = #line)
        -> Variable
    {
        if newShape == shape { return self }
        let sourceShape = shape
        return Variable(
            op: "reshape", value: value.reshaped(to: newShape), inputs: [self], file: file,
            line: line
        ) { _, g in [g.reshaped(to: sourceShape)] }
    }
}
