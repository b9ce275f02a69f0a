// The reverse sweep: an iterative topological order, then one pass from the output back
// to the leaves, each node's pullback adding its inputs' shares.

import CBackpropKernels
import Synchronization

extension Variable {
    /// Computes the gradient of this node with respect to every leaf that requires one and
    /// adds it to the leaf's ``gradient``.
    ///
    /// On a one-element output the seed defaults to 1 (∂L/∂L). On any other output, pass the
    /// gradient of some scalar with respect to this output as `seed`.
    ///
    /// Calling it again (on the same graph or a new one) adds to the stored gradients, as
    /// fan-out within one graph does: reset them with ``zeroGradient()`` or an optimizer's
    /// `zeroGradients` between steps. The graph stays valid after a backward pass.
    ///
    /// ```swift
    /// let x = Variable(Tensor<Double>([1, 2, 3]), requiresGradient: true)
    /// (x * x).sum().backward()
    /// print(x.gradient!)   // [2.0, 4.0, 6.0]
    /// ```
    ///
    /// Several sweeps may run over shared nodes: a backward pass inside a custom op's
    /// backward, or backward passes on several threads over the same parameters (each
    /// leaf's ``gradient`` is updated under a lock, so the contributions add up).
    /// - Precondition: the output requires a gradient, `seed` (if given) has its shape, and
    ///   no value the graph read was changed since (``value``).
    @inlinable
    public func backward(
        seed: Tensor<Scalar>? = nil, file: StaticString = #fileID, line: UInt = #line
    ) {
        withoutGradients {
            sweep(
                seed: seed, carrier: Tensor<Scalar>.self, storesLeafGradients: true,
                file: file, line: line
            ) { _, _ in }
        }
    }

    /// The reverse sweep shared by ``backward(seed:file:line:)``,
    /// ``gradients(of:withRespectTo:seed:file:line:)`` and
    /// ``differentiableGradients(of:withRespectTo:seed:file:line:)``.
    ///
    /// Gradients travel as tensors (first order, no graph recorded) or as variables
    /// (recorded, so they can be differentiated again): the `carrier`. `visit` sees every
    /// node with its total gradient, once all of its consumers have contributed, before the
    /// node's own pullback runs; with `storesLeafGradients`, leaves instead add theirs to
    /// their ``gradient`` (``backward(seed:file:line:)``).
    ///
    /// Everything the sweep keeps (the order, the pending gradients) is its own: a
    /// ``SweepState``. So sweeps may share nodes: one run inside a pullback of another (a
    /// custom op that differentiates), or sweeps on other threads over shared parameters.
    @inlinable
    internal func sweep<Carrier: GradientCarrier>(
        seed: Tensor<Scalar>?, carrier: Carrier.Type, storesLeafGradients: Bool,
        file: StaticString, line: UInt, visit: (Variable, Carrier) -> Void
    ) where Carrier.Scalar == Scalar {
        require(
            requiresGradient,
            "backward: the output of op '\(op)' \(Shapes.format(shape)) does not require a "
                + "gradient (no input requires one, or it was computed without gradients)",
            file: file, line: line)
        let seedValue: Tensor<Scalar>
        if let seed {
            if seed.shape != shape {
                _ = Shapes.same(seed.shape, shape, op: "backward", symbol: "seed for output")
                    .orFail(file: file, line: line)
            }
            seedValue = seed
        } else {
            require(
                value.count == 1,
                "backward: output of op '\(op)' has shape \(Shapes.format(shape)), not one "
                    + "element; pass `seed:` with the gradient of the output",
                file: file, line: line)
            seedValue = Tensor(repeating: 1, shape: shape)
        }
        var state = SweepState<Carrier>(from: self, seed: Carrier.carrying(seedValue))
        defer { state.finish() }
        var quiet = GradientMode.current
        let anomalies = quiet.isDetectingAnomalies
        quiet.isDetectingAnomalies = false
        // Walk consumers before inputs: a node's gradient is complete when it is reached.
        // Nodes are borrowed, not retained: the output keeps the whole graph alive.
        var index = state.first
        while index >= 0 {
            let current = index
            index = state.next(after: current)
            // Borrowed, not retained: the output keeps the whole graph alive.
            state.leave(current)._withUnsafeGuaranteedRef { base in
                guard let gradient = state.takePending(current) else { return }
                let node = unsafeDowncast(base, to: Variable.self)
                // A node has a pullback exactly when it has inputs that need gradients.
                guard node.edges.count > 0 else {
                    if storesLeafGradients {
                        Carrier.accumulate(consume gradient, intoGradientOf: node)
                    } else {
                        visit(node, gradient)
                    }
                    return
                }
                visit(node, gradient)
                node.requireUnchangedInputs(file: file, line: line)
                // Under anomaly detection the ops inside a pullback are not checked one by
                // one: their results are checked below as the gradients of this node's
                // inputs, so a report names the op whose backward failed and where it was
                // created.
                var inputGradients: InputGradients<Carrier>
                if anomalies {
                    inputGradients = GradientMode.with(quiet) { Carrier.pull(node, gradient) }
                } else {
                    inputGradients = Carrier.pull(node, consume gradient)
                }
                node.distribute(
                    &inputGradients, into: &state, checkingForAnomalies: anomalies, file: file,
                    line: line)
            }
        }
    }

    /// Stops with a message naming the op and the input when the value of an input (or of
    /// this node) changed after this node was made: its pullback would read the new value.
    @inlinable
    internal func requireUnchangedInputs(file: StaticString, line: UInt) {
        // The fields of the three inline inputs are read directly: a loop over
        // `edges.node(at:)` cost a switch per input.
        let made = madeAt
        if _slowPath(
            changedAt > made || (edges.first?.changedAt ?? 0) > made
                || (edges.second?.changedAt ?? 0) > made || (edges.third?.changedAt ?? 0) > made
                || (edges.count > 3 && edges.rest.contains { $0.unsafelyUnwrapped.changedAt > made }))
        {
            let index = (0..<edges.count).first { edges.node(at: $0).changedAt > made }
            reportChangedValue(input: index, file: file, line: line)
        }
    }

    @usableFromInline
    internal func reportChangedValue(input index: Int?, file: StaticString, line: UInt) -> Never {
        let place = origin.map { " (created at \($0))" } ?? ""
        let what: String
        if let index {
            let input = self.input(at: index)
            what = "the value of its input \(index) (op '\(input.op)', now "
                + "\(Shapes.format(input.shape))) or its requiresGradient was changed after op "
                + "'\(op)'\(place) read it"
        } else {
            what = "the value of op '\(op)'\(place) (now \(Shapes.format(shape))) was changed "
                + "after it was computed"
        }
        misuseFailure(
            "backward: \(what); its gradient would use the new value. Change values only "
                + "between a backward pass and the next forward pass (optimizers do)",
            file: file, line: line)
    }

    /// Moves each input's gradient from this node's pullback (leaving `nil`) to the input's
    /// pending gradient in `state`, after checking that there is one per input and that
    /// each has its input's shape.
    @inlinable
    internal func distribute<Carrier: GradientCarrier>(
        _ inputGradients: inout InputGradients<Carrier>, into state: inout SweepState<Carrier>,
        checkingForAnomalies anomalies: Bool, file: StaticString, line: UInt
    ) where Carrier.Scalar == Scalar {
        let count = edges.count
        if inputGradients.count != count {
            reportPullbackMismatch(inputGradients.map { $0?.shape }, file: file, line: line)
        }
        for index in 0..<count {
            guard let contribution = inputGradients.take(index) else { continue }
            Unmanaged.passUnretained(edges.node(at: index))._withUnsafeGuaranteedRef { base in
                let parent = unsafeDowncast(base, to: Variable.self)
                guard parent.requiresGradient else { return }
                if contribution.shape != parent.storedValue.borrowed.shape {
                    reportPullbackMismatch(
                        inputGradients.indices.map { $0 == index ? contribution.shape : inputGradients[$0]?.shape },
                        file: file, line: line)
                }
                if anomalies {
                    Anomaly.check(
                        contribution.tensor, op: op, origin: origin, phase: "backward gradient")
                }
                state.add(contribution, to: parent)
            }
        }
    }
    /// Stops with a message naming the op, where it was created, and the shapes its
    /// pullback returned against its inputs' shapes.
    @usableFromInline
    internal func reportPullbackMismatch(
        _ gradientShapes: [TensorShape?], file: StaticString, line: UInt
    ) -> Never {
        let inputs = self.inputs
        let place = origin.map { " (created at \($0))" } ?? ""
        Shapes.pullback(
            zip(inputs, gradientShapes).map { $0.requiresGradient ? $1 : nil }
                + gradientShapes.dropFirst(inputs.count),
            inputs: inputs.map(\.shape), op: "backward: op '\(op)'\(place)"
        ).orFail(file: file, line: line)
        misuseFailure(
            "backward: op '\(op)'\(place): pullback gradients do not match its inputs",
            file: file, line: line)
    }
}

/// How gradients travel through a sweep: as plain tensors (first order) or as variables
/// recorded in the graph (higher order).
@usableFromInline
internal protocol GradientCarrier {
    associatedtype Scalar: TensorScalar
    /// Wraps a tensor (a constant, for variables).
    static func carrying(_ tensor: Tensor<Scalar>) -> Self
    var tensor: Tensor<Scalar> { get }
    var shape: TensorShape { get }
    /// The node's vector–Jacobian product applied to `gradient`.
    static func pull(_ node: Variable<Scalar>, _ gradient: consuming Self) -> InputGradients<Self>
    /// Adds a contribution to a pending gradient (fan-out: the multivariable chain rule
    /// sums them), or hands it over to an empty one.
    static func add(_ contribution: consuming Self, into pending: inout Self?)
    /// Adds a leaf's total gradient to its ``Variable/gradient`` (handed over when the leaf
    /// has none yet), under the leaf's lock.
    static func accumulate(_ gradient: consuming Self, intoGradientOf leaf: Variable<Scalar>)
}

extension Tensor: GradientCarrier {
    @inlinable static func carrying(_ tensor: Tensor) -> Tensor { tensor }
    @inlinable var tensor: Tensor { self }
    /// The first-order path: the node's tensor pullback when it has one (fused ops), else
    /// its variable pullback run without recording.
    @inlinable
    static func pull(_ node: Variable<Scalar>, _ gradient: consuming Tensor)
        -> InputGradients<Tensor>
    {
        if let fast = node.tensorPullback { return fast(node, consume gradient) }
        return InputGradients(node.pullback!(node, Variable(gradient)).map { $0?.value })
    }
    /// Hands `contribution` over to an empty slot, or adds it to the tensor there in place.
    @inlinable
    static func add(_ contribution: consuming Tensor, into slot: inout Tensor?) {
        if slot == nil {
            slot = contribution
        } else {
            slot!.addScaled(contribution, by: 1)
        }
    }
    @inlinable
    static func accumulate(_ gradient: consuming Tensor, intoGradientOf leaf: Variable<Scalar>) {
        leaf.lockGradient()
        add(gradient, into: &leaf.storedGradient)
        leaf.unlockGradient()
    }
}

extension Variable: GradientCarrier {
    @inlinable static func carrying(_ tensor: Tensor<Scalar>) -> Variable {
        Variable(tensor)
    }
    @inlinable var tensor: Tensor<Scalar> { value }
    @inlinable
    static func pull(_ node: Variable, _ gradient: consuming Variable)
        -> InputGradients<Variable>
    {
        InputGradients(node.pullback!(node, gradient))
    }
    @inlinable
    static func add(_ contribution: consuming Variable, into pending: inout Variable?) {
        if let sum = pending.take() {
            pending = sum.adding(contribution)
        } else {
            pending = contribution
        }
    }
    @inlinable
    static func accumulate(_ gradient: consuming Variable, intoGradientOf leaf: Variable) {
        Tensor.accumulate(gradient.value, intoGradientOf: leaf)
    }
}

/// What one reverse sweep keeps: an entry per node that requires a gradient and that the
/// output depends on, in depth-first order, with the node's pending gradient and its links.
///
/// A node finds its entry through its `sweepSlot` when this sweep holds the slot: the
/// node was made on this thread and no enclosing sweep on the thread holds it. Any other
/// node (one an enclosing sweep holds, or one made on another thread) is found in
/// `others`, a dictionary made only when such a node is met. So the sweep writes no shared
/// state, and nested and concurrent sweeps over shared nodes see their own entries.
///
/// The entries live in a raw buffer that the thread keeps between sweeps
/// (`bp_sweep_enter`), so a sweep allocates nothing once warm; nodes are borrowed,
/// never retained.
@usableFromInline
internal struct SweepState<Carrier: GradientCarrier> {
    @usableFromInline
    internal struct Entry {
        @usableFromInline var node: Unmanaged<GraphNode>
        /// Sorting: the next input to visit.
        @usableFromInline var nextInput: Int32
        /// Sorting: the entry below this one on the depth-first stack; once sorted, the
        /// next entry in reverse topological order (-1: none).
        @usableFromInline var link: Int32
        @usableFromInline var pending: Carrier?

        @inlinable
        init(node: GraphNode, link: Int32, pending: consuming Carrier?) {
            self.node = Unmanaged.passUnretained(node)
            (nextInput, self.link, self.pending) = (0, link, pending)
        }
    }

    @usableFromInline var entries: UnsafeMutablePointer<Entry>
    @usableFromInline var count: Int
    @usableFromInline var capacity: Int
    @usableFromInline var others: [ObjectIdentifier: Int32]?
    @usableFromInline let thread: UInt32
    /// This sweep's depth on the thread, in the upper half of a slot it holds.
    @usableFromInline let owner: UInt64
    /// The first entry in reverse topological order: the output's.
    @usableFromInline var first: Int32

    /// Sorts the nodes that require a gradient and that `output` depends on, consumers
    /// before their inputs (a reverse depth-first post-order, iterative), with `seed` as
    /// the output's pending gradient.
    ///
    /// The references are unmanaged: the caller keeps the output, which keeps every node
    /// of its graph alive, until ``finish()``.
    @inlinable @inline(__always)
    init(from output: GraphNode, seed: consuming Carrier) {
        thread = bp_thread_token()
        var buffer: UnsafeMutableRawPointer? = nil
        var bytes = 0
        owner = UInt64(bp_sweep_enter(&buffer, &bytes)) << 32
        others = nil
        capacity = bytes / MemoryLayout<Entry>.stride
        if let buffer, capacity > 0 {
            entries = buffer.bindMemory(to: Entry.self, capacity: capacity)
        } else {
            buffer?.deallocate()
            capacity = 64
            entries = .allocate(capacity: capacity)
        }
        count = 0
        first = -1
        append(output, link: -1, pending: seed)
        var top: Int32 = 0
        while top >= 0 {
            let t = Int(top)
            let next = Int(entries[t].nextInput)
            let input: Unmanaged<GraphNode>? = entries[t].node._withUnsafeGuaranteedRef { node in
                next < node.edges.count ? Unmanaged.passUnretained(node.edges.node(at: next)) : nil
            }
            guard let input else {
                // All inputs done: the node goes to the front of the order.
                let below = entries[t].link
                entries[t].link = first
                first = top
                top = below
                continue
            }
            entries[t].nextInput &+= 1
            let below = top
            input._withUnsafeGuaranteedRef { input in
                guard input.requiresGradient && entry(of: input) == nil else { return }
                top = Int32(truncatingIfNeeded: count)
                append(input, link: below, pending: nil)
            }
        }
    }

    /// Adds an entry for `node` (its index is `count` before the call) and claims the node.
    @inlinable @inline(__always)
    mutating func append(_ node: GraphNode, link: Int32, pending: consuming Carrier?) {
        if count == capacity {
            let larger = UnsafeMutablePointer<Entry>.allocate(capacity: capacity * 2)
            larger.moveInitialize(from: entries, count: count)
            entries.deallocate()
            (entries, capacity) = (larger, capacity * 2)
        }
        let index = Int32(truncatingIfNeeded: count)
        (entries + count).initialize(
            to: Entry(node: node, link: link, pending: pending))
        count &+= 1
        if node.creatorThread == thread && node.sweepSlot == 0 {
            node.sweepSlot = owner | UInt64(UInt32(bitPattern: index))
        } else {
            if others == nil { others = [:] }
            others![ObjectIdentifier(node)] = index
        }
    }

    /// The entry of `node` in this sweep, if it has one.
    @inlinable @inline(__always)
    func entry(of node: GraphNode) -> Int32? {
        if node.creatorThread == thread {
            let slot = node.sweepSlot
            if slot & 0xFFFF_FFFF_0000_0000 == owner { return Int32(truncatingIfNeeded: slot) }
            if slot == 0 { return nil }
        }
        return others?[ObjectIdentifier(node)]
    }

    /// Gives the node at `index` its slot back and returns it. Called once per entry, in
    /// order: no consumer of the node is left to look it up.
    @inlinable
    func leave(_ index: Int32) -> Unmanaged<GraphNode> {
        let node = entries[Int(index)].node
        node._withUnsafeGuaranteedRef { node in
            if node.creatorThread == thread && node.sweepSlot & 0xFFFF_FFFF_0000_0000 == owner {
                node.sweepSlot = 0
            }
        }
        return node
    }

    /// Removes and returns the pending gradient of the entry at `index`.
    @inlinable
    func takePending(_ index: Int32) -> Carrier? {
        entries[Int(index)].pending.take()
    }

    /// The entry after `index` in reverse topological order (-1 after the last).
    @inlinable
    func next(after index: Int32) -> Int32 { entries[Int(index)].link }

    /// Adds a contribution to the pending gradient of `node`, an input of a node already
    /// left (so it has an entry).
    @inlinable
    mutating func add(_ contribution: consuming Carrier, to node: GraphNode) {
        let index = Int(entry(of: node).unsafelyUnwrapped)
        Carrier.add(contribution, into: &entries[index].pending)
    }

    /// Ends the sweep on this thread and keeps the buffer for the next one. Every entry's
    /// pending gradient has been taken by then (the sweep takes each one in order), so the
    /// entries hold nothing to release and need no deinitialisation.
    @inlinable
    func finish() {
        bp_sweep_exit(UnsafeMutableRawPointer(entries), capacity * MemoryLayout<Entry>.stride)
    }
}

extension Variable {
    /// Takes this leaf's gradient lock, so that backward passes on several threads that
    /// share the leaf add their contributions one at a time. It is held only while one
    /// gradient is added, never across other work, so it cannot deadlock.
    @inlinable
    internal func lockGradient() {
        while !gradientLock.compareExchange(
            expected: false, desired: true, ordering: .acquiring
        ).exchanged {
            bp_yield_thread()
        }
    }

    @inlinable
    internal func unlockGradient() { gradientLock.store(false, ordering: .releasing) }
}

/// The gradients of a scalar with respect to the given variables, without touching their
/// stored ``Variable/gradient`` (like `torch.autograd.grad` or JAX's `grad`).
///
/// A variable the output does not depend on gets a gradient of zeros.
///
/// ```swift
/// let x = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
/// let (dx) = gradients(of: (x * x).sum(), withRespectTo: [x])[0]   // [2.0, 4.0]
/// ```
/// - Parameters:
///   - output: The value to differentiate (one element unless `seed` is given).
///   - variables: The variables to differentiate with respect to; each must require a
///     gradient.
///   - seed: The gradient of the output, for outputs of more than one element.
///   - file: The file a misuse is reported at (the caller's, by default).
///   - line: The line a misuse is reported at (the caller's, by default).
/// - Returns: One gradient per variable, each of that variable's shape, in order.
///
/// It may run on several threads at once over shared variables, and inside a pullback
/// (a custom op's backward that differentiates): each sweep keeps its state to itself.
@inlinable
public func gradients<Scalar>(
    of output: Variable<Scalar>, withRespectTo variables: [Variable<Scalar>],
    seed: Tensor<Scalar>? = nil, file: StaticString = #fileID, line: UInt = #line
) -> [Tensor<Scalar>] {
    withoutGradients {
        differentiate(
            output, variables, seed: seed, carrier: Tensor<Scalar>.self, file: file, line: line)
    }
}

/// The gradients of `output` with respect to `variables` as variables that are themselves
/// recorded in the graph, so they can be differentiated again (PyTorch's
/// `create_graph=True`): the base of Hessian–vector products and Hessians.
///
/// ```swift
/// let x = Variable(Tensor<Double>(3), requiresGradient: true)
/// let dx = differentiableGradients(of: x * x * x, withRespectTo: [x])[0]   // 3x² = 27
/// let dxx = gradients(of: dx, withRespectTo: [x])[0]                       // 6x = 18
/// ```
@inlinable
public func differentiableGradients<Scalar>(
    of output: Variable<Scalar>, withRespectTo variables: [Variable<Scalar>],
    seed: Tensor<Scalar>? = nil, file: StaticString = #fileID, line: UInt = #line
) -> [Variable<Scalar>] {
    differentiate(
        output, variables, seed: seed, carrier: Variable<Scalar>.self, file: file, line: line)
}

@inlinable
internal func differentiate<Scalar, Carrier: GradientCarrier>(
    _ output: Variable<Scalar>, _ variables: [Variable<Scalar>], seed: Tensor<Scalar>?,
    carrier: Carrier.Type, file: StaticString, line: UInt
) -> [Carrier] where Carrier.Scalar == Scalar {
    for (i, v) in variables.enumerated() {
        require(
            v.requiresGradient,
            "gradients: variable \(i) (op '\(v.op)', \(Shapes.format(v.shape))) does not "
                + "require a gradient", file: file, line: line)
    }
    var found = [Carrier?](repeating: nil, count: variables.count)
    output.sweep(
        seed: seed, carrier: carrier, storesLeafGradients: false, file: file, line: line
    ) { node, gradient in
        for (i, v) in variables.enumerated() where v === node {
            found[i] = gradient
        }
    }
    return zip(variables, found).map { v, g in g ?? Carrier.carrying(Tensor.zeros(v.shape)) }
}
