import CBackpropKernels

/// A node of the computation graph: a tensor value, its gradient, and how to map the
/// gradient of this node to the gradients of its inputs.
///
/// Leaves are made with ``init(_:requiresGradient:)``; every op on variables returns a new
/// node that records its inputs, its op name and one backward closure, a vector–Jacobian
/// product ∇ₓf = (∂y/∂x)ᵀ ∇_y f. ``backward(seed:file:line:)`` walks the graph in reverse.
///
/// ```swift
/// let w = Variable(Tensor<Double>([[1, 2], [3, 4]]), requiresGradient: true)
/// let x = Variable(Tensor<Double>([[1], [1]]))
/// let loss = w.matmul(x).sum()
/// loss.backward()
/// print(w.gradient!)   // [[1.0, 1.0], [1.0, 1.0]]
/// ```
///
/// Memory: closures capture only their inputs, never their output, so a graph is freed as
/// soon as its last node is released; release is iterative, so chains of millions of ops
/// free without deep recursion.
public final class Variable<Scalar: TensorScalar>: GraphNode {
    /// A vector–Jacobian product: given the node itself and the gradient of the final
    /// output with respect to it, the gradients of the inputs in order (`nil` for an input
    /// that needs none).
    ///
    /// The node arrives as a parameter so a closure never captures its own output (which
    /// would keep the graph alive forever); it captures only its inputs and saved tensors.
    public typealias Pullback = (_ output: Variable, _ gradient: Variable) -> [Variable?]

    /// The value computed in forward. Change it only between steps (optimizers do), never
    /// between a forward pass and its backward pass: every change is stamped, and a
    /// backward pass through an op that read the value before the change stops with a
    /// message naming the op and the input (what PyTorch's version counter checks).
    @inlinable public var value: Tensor<Scalar> {
        _read { yield storedValue }
        _modify {
            changedAt = bp_change_clock_tick()
            yield &storedValue
        }
    }
    /// The accumulated gradient of the last ``backward(seed:file:line:)`` calls, for leaves
    /// that require one. Gradients add up across calls; set it to `nil` (or call
    /// ``zeroGradient()``) between steps.
    @inlinable public var gradient: Tensor<Scalar>? {
        _read { yield storedGradient }
        _modify { yield &storedGradient }
    }
    // The storage behind `value` and `gradient`, reached through the accessors above.
    // `@exclusivity(unchecked)` on a public stored property would still let other modules
    // check each access at run time, on every in-place parameter update; accessors inlined
    // from this module do not check.
    @exclusivity(unchecked) @usableFromInline internal var storedValue: Tensor<Scalar>
    @exclusivity(unchecked) @usableFromInline internal var storedGradient: Tensor<Scalar>?
    /// The op that made this node (`"leaf"` for leaves).
    public let op: String
    /// The inputs of the op (empty for leaves and constants).
    @inlinable public var inputs: [Variable] {
        (0..<edges.count).map { unsafeDowncast(edges.node(at: $0), to: Variable.self) }
    }
    /// Where the op was created, when anomaly detection was on.
    public let origin: SourceLocation?
    @exclusivity(unchecked) @usableFromInline internal var pullback: Pullback?

    /// An optional first-order form of the pullback on plain tensors, for fused hot ops:
    /// given the output value and its gradient, the input gradients. Used when no graph
    /// is recorded; must agree with `pullback` (the conformance kit checks both).
    @exclusivity(unchecked) @usableFromInline internal var tensorPullback: TensorPullback?

    /// A first-order vector–Jacobian product on tensors: (output node, gradient) → input
    /// gradients. Like ``Pullback`` it receives the output node, so it can read the output's
    /// ``value`` and its inputs (``input(at:)``) instead of capturing them: a closure that
    /// captures nothing, or exactly one object, costs no allocation per node. The gradient is
    /// handed over (`consuming`): the sweep keeps no other reference to it, so the pullback
    /// may update it in place instead of allocating.
    public typealias TensorPullback = (
        _ output: Variable, _ gradient: consuming Tensor<Scalar>
    ) -> InputGradients<Tensor<Scalar>>

    /// Creates a leaf.
    ///
    /// - Parameters:
    ///   - value: The tensor.
    ///   - requiresGradient: Whether ``backward(seed:file:line:)`` computes a gradient for
    ///     it (parameters: `true`; data: `false`, the default).
    @inlinable
    public init(_ value: Tensor<Scalar>, requiresGradient: Bool = false) {
        self.storedValue = value
        self.storedGradient = nil
        self.op = "leaf"
        self.origin = nil
        self.pullback = nil
        self.tensorPullback = nil
        super.init(edges: NodeInputs(), requiresGradient: requiresGradient)
    }

    /// Creates a node of a differentiable op. This is the primitive every op uses; to add an
    /// op of your own, ``CustomOp`` wraps it with a documented contract (forward, saved
    /// tensors, backward through a context).
    ///
    /// The pullback receives the output node and its gradient and returns one gradient per
    /// input (`nil` for an input that needs none), each of that input's shape — the reverse
    /// sweep checks both and stops with a message naming the op. Write it with variable ops
    /// so it can be differentiated again, and never capture the output node (use the
    /// `output` parameter).
    ///
    /// When recording is off (``withoutGradients(_:)``) or no input requires a gradient, the
    /// result is a constant and `pullback` is dropped.
    @inlinable @inline(__always)
    public convenience init(
        op: String, value: consuming Tensor<Scalar>, inputs: [Variable],
        file: StaticString = #fileID, line: UInt = #line,
        tensorPullback: TensorPullback? = nil,
        pullback: @escaping Pullback
    ) {
        // Always inlined, so the caller's array literal is read here and can live on the
        // stack; the node keeps the inputs in inline fields.
        let needed = inputs.contains { $0.requiresGradient }
        self.init(
            op: op, value: value, edges: NodeInputs(inputs), anyInputNeedsGradient: needed,
            file: file, line: line, tensorPullback: tensorPullback, pullback: pullback)
    }

    /// The primitive for the built-in two-operand ops: the operands go straight into the
    /// node's inline edges, so making a matmul or an add node allocates no array for them
    /// (an `inputs: [a, b]` literal can be).
    @inlinable @inline(__always)
    internal convenience init(
        op: String, value: consuming Tensor<Scalar>, operands a: Variable, _ b: Variable,
        file: StaticString, line: UInt, tensorPullback: TensorPullback? = nil,
        pullback: @escaping Pullback
    ) {
        self.init(
            op: op, value: value, edges: NodeInputs(a, b),
            anyInputNeedsGradient: a.requiresGradient || b.requiresGradient, file: file,
            line: line, tensorPullback: tensorPullback, pullback: pullback)
    }

    // The value and the edges are handed over (`consuming`) and moved into the node, so
    // making a node retains its inputs once, not once more for a copy.
    @inlinable
    internal init(
        op: String, value: consuming Tensor<Scalar>, edges: consuming NodeInputs,
        anyInputNeedsGradient: Bool, constant: UInt8 = 0,
        file: StaticString, line: UInt, tensorPullback: TensorPullback?,
        pullback: @escaping Pullback
    ) {
        let mode = GradientMode.current
        let records = mode.isRecording && anyInputNeedsGradient
        let origin = mode.isDetectingAnomalies ? SourceLocation(file: "\(file)", line: line) : nil
        if origin != nil {
            Anomaly.check(value, op: op, origin: origin, phase: "forward output")
        }
        self.storedValue = value
        self.storedGradient = nil
        self.op = op
        self.pullback = records ? pullback : nil
        self.tensorPullback = records ? tensorPullback : nil
        self.origin = origin
        if records {
            super.init(edges: edges, requiresGradient: true, constantByte: constant)
        } else {
            super.init(edges: NodeInputs(), requiresGradient: false)
        }
    }

    deinit {
        // Release the pullbacks (and the inputs they captured) before `GraphNode.deinit`
        // runs: Swift destroys a subclass's stored properties only after the superclass's
        // deinit body, so otherwise every captured input would still look shared there and
        // a long chain would be freed by recursion, one stack frame per node.
        releaseCaptures()
    }

    @usableFromInline
    override internal func dropGradient() { storedGradient = nil }

    @usableFromInline
    override internal func releaseCaptures() {
        pullback = nil
        tensorPullback = nil
    }

    /// The constant the op stored in this node (see ``NodeConstant``).
    @inlinable
    internal func constant<Constant: NodeConstant>(as _: Constant.Type) -> Constant {
        Constant(byte: constantByte)
    }

    /// The shape of the value.
    @inlinable public var shape: TensorShape { value.shape }

    /// The number of inputs recorded for backward (0 for leaves and constants).
    @inlinable public var inputCount: Int { edges.count }

    /// The input at `index` (in the order the op listed them), without building the
    /// ``inputs`` array: for pullbacks, which run on every backward pass.
    ///
    /// ```swift
    /// // A pullback that reads its operands from the output node instead of capturing
    /// // them (a closure with no captures costs no allocation per node):
    /// Variable(op: "times", value: a.value * b.value, inputs: [a, b]) { y, g in
    ///     [g * y.input(at: 1), g * y.input(at: 0)]
    /// }
    /// ```
    /// - Precondition: `0 <= index < inputCount`.
    @inlinable
    public func input(at index: Int) -> Variable {
        require(
            index >= 0 && index < edges.count,
            "Variable.input(at:): index \(index) of \(edges.count) inputs (op '\(op)')")
        return unsafeDowncast(edges.node(at: index), to: Variable.self)
    }

    /// The value of the input at `index`, read in place, and whether that input requires a
    /// gradient: for the fused ops' pullbacks, which run on every backward pass. No retain:
    /// this node keeps its inputs, and their values, alive and unchanged meanwhile.
    @inlinable @inline(__always)
    internal func borrowedInput(at index: Int) -> (value: BorrowedTensor<Scalar>, requiresGradient: Bool) {
        Unmanaged.passUnretained(edges.node(at: index))._withUnsafeGuaranteedRef { input in
            (unsafeDowncast(input, to: Variable.self).storedValue.borrowed, input.requiresGradient)
        }
    }

    /// Sets the gradient to `nil`, ready for the next step.
    @inlinable public func zeroGradient() { gradient = nil }

    /// A constant with the same value: gradients do not flow through it.
    @inlinable public func detached() -> Variable { Variable(value) }
}

extension Variable: CustomStringConvertible {
    public var description: String {
        "Variable(op: \(op), shape: \(Shapes.format(shape)), value: \(value))"
    }
}

/// The checks of anomaly detection.
@usableFromInline
internal enum Anomaly {
    @usableFromInline
    static func check<Scalar>(
        _ tensor: Tensor<Scalar>, op: String, origin: SourceLocation?, phase: String
    ) {
        guard let index = tensor.scalars.firstIndex(where: { !$0.isFinite }) else { return }
        let place = origin.map { " created at \($0)" } ?? ""
        misuseFailure(
            "anomaly: \(phase) of op '\(op)'\(place) has \(tensor.scalars[index]) at element "
                + "\(index) (shape \(Shapes.format(tensor.shape)))")
    }
}
