// Gradient checkpointing (rematerialisation): a segment of a forward pass is recorded as
// one node that keeps only its output; its backward runs the segment again and
// differentiates the recomputed graph.

import CBackpropKernels

/// Runs `segment` on `inputs` keeping none of its intermediate nodes: the result is one
/// graph node holding the segment's output, whose backward runs the segment again (with
/// gradients recorded) and differentiates it. Memory for the segment's inner values is
/// spent only while its backward runs, at the price of a second forward pass of it.
///
/// ```swift
/// var h = x
/// for block in blocks {          // 64 layers as 8 blocks of 8: 16 layers' values kept
///     h = checkpointed(h) { h in block.reduce(h) { $1($0) } }
/// }
/// loss(h).backward()             // gradients bit for bit as without checkpoints
/// ```
///
/// The leaves the segment reads without being passed them (the parameters its layers
/// capture) are found when it first runs and become inputs of the node, so their
/// gradients flow as without the checkpoint, and changing one of their values before
/// backward stops the sweep as for any op.
///
/// The segment must compute the same value when run again: the backward compares the
/// recomputed output with the kept one bit for bit and stops with a message otherwise (a
/// random draw such as dropout, or a value changed in between). Gradients of gradients
/// (``differentiableGradients(of:withRespectTo:seed:file:line:)``, Hessians, `jvp`) through
/// a checkpoint stop with a message: first-order gradients only.
///
/// Outside a recorded forward pass (``withoutGradients(_:)``) it just runs `segment`.
/// - Precondition: every variable the segment reads that was computed outside it (not a
///   leaf) is one of `inputs`, so the recomputation can start from them.
@inlinable
public func checkpointed<Scalar>(
    _ inputs: [Variable<Scalar>], file: StaticString = #fileID, line: UInt = #line,
    _ segment: @escaping ([Variable<Scalar>]) -> Variable<Scalar>
) -> Variable<Scalar> {
    guard GradientMode.current.isRecording else { return segment(inputs) }
    // Every node made from here on has `madeAt >= start`; nodes made before are outside.
    let start = bp_change_clock_tick()
    let (value, parameters): (Tensor<Scalar>, [Variable<Scalar>])
    do {
        let probe = segment(inputs.map { Variable($0.value, requiresGradient: $0.requiresGradient) })
        guard probe.requiresGradient, probe.madeAt >= start else { return probe }
        parameters = outsideLeaves(of: probe, madeBefore: start, file: file, line: line)
        value = probe.value
    }  // the probe's graph is released here
    let count = inputs.count
    return Variable(op: "checkpointed", value: value, inputs: inputs + parameters, file: file, line: line) {
        output, gradient in
        // A recorded sweep (second order) would need the gradients as functions of the
        // inputs and of `gradient`, which depends on this node's own output in general: a
        // sweep from the recomputed graph would reach this node again.
        require(
            !GradientMode.current.isRecording,
            "checkpointed: gradients of gradients (differentiableGradients, Hessians, jvp) "
                + "through a checkpointed segment are not supported; compute them without "
                + "checkpoints", file: file, line: line)
        let sources = output.inputs
        let inputs = sources[..<count]
        let fresh = inputs.map { Variable($0.value, requiresGradient: $0.requiresGradient) }
        let y = withGradients { segment(fresh) }
        requireSameValue(y, as: output, file: file, line: line)
        return differentiated(
            y, fresh + sources[count...], seed: gradient.value, carrier: Tensor<Scalar>.self,
            file: file, line: line
        ).map { $0.map { Variable($0) } }
    }
}

/// `checkpointed(_:_:)` for a segment of one input.
///
/// ```swift
/// let h = checkpointed(x) { x in x.dense(weight: w1, bias: b1, activation: .relu)
///                                 .dense(weight: w2, bias: b2, activation: .relu) }
/// ```
@inlinable
public func checkpointed<Scalar>(
    _ input: Variable<Scalar>, file: StaticString = #fileID, line: UInt = #line,
    _ segment: @escaping (Variable<Scalar>) -> Variable<Scalar>
) -> Variable<Scalar> {
    checkpointed([input], file: file, line: line) { segment($0[0]) }
}

/// The gradients of `y` with respect to those of `variables` that require one (`nil` for
/// the others), as `carrier`.
@inlinable
internal func differentiated<Scalar, Carrier: GradientCarrier>(
    _ y: Variable<Scalar>, _ variables: [Variable<Scalar>], seed: Tensor<Scalar>?,
    carrier: Carrier.Type, file: StaticString, line: UInt
) -> [Carrier?] where Carrier.Scalar == Scalar {
    let wanted = variables.filter(\.requiresGradient)
    var found = differentiate(y, wanted, seed: seed, carrier: carrier, file: file, line: line)
        .makeIterator()
    return variables.map { $0.requiresGradient ? found.next() : nil }
}

/// The nodes requiring a gradient that the segment output `y` reads and that were made
/// before `start` (outside the segment): leaves only, or a misuse naming the op.
@usableFromInline
internal func outsideLeaves<Scalar>(
    of y: Variable<Scalar>, madeBefore start: UInt64, file: StaticString, line: UInt
) -> [Variable<Scalar>] {
    var seen: Set<ObjectIdentifier> = [ObjectIdentifier(y)]
    var stack: [GraphNode] = [y]
    var leaves: [Variable<Scalar>] = []
    while let node = stack.popLast() {
        for i in 0..<node.edges.count {
            let input = node.edges.node(at: i)
            guard input.requiresGradient, seen.insert(ObjectIdentifier(input)).inserted else { continue }
            guard input.madeAt < start else {
                stack.append(input)
                continue
            }
            let variable = unsafeDowncast(input, to: Variable<Scalar>.self)
            require(
                input.edges.count == 0,
                "checkpointed: the segment reads the result of op '\(variable.op)' "
                    + "\(Shapes.format(variable.shape)) computed outside it; pass it as an input",
                file: file, line: line)
            leaves.append(variable)
        }
    }
    return leaves
}

/// Stops unless the recomputed output equals the kept one bit for bit (NaN matching NaN).
@usableFromInline
internal func requireSameValue<Scalar>(
    _ recomputed: Variable<Scalar>, as kept: Variable<Scalar>, file: StaticString, line: UInt
) {
    // The same kernels on the same values give the same bits, NaNs included, so the bytes
    // are compared (a loop over `Scalar` here would run unspecialised, element by element
    // through the witness tables).
    let same = recomputed.shape == kept.shape
        && recomputed.value.withUnsafeBufferPointer { a in
            kept.value.withUnsafeBufferPointer { b in UnsafeRawBufferPointer(a).elementsEqual(UnsafeRawBufferPointer(b)) }
        }
    require(
        same,
        "checkpointed: running the segment again gave another value than in forward "
            + "(\(Shapes.format(recomputed.shape)) vs \(Shapes.format(kept.shape))): it draws "
            + "random numbers (dropout) or reads a value changed since; its gradients would be wrong",
        file: file, line: line)
}
