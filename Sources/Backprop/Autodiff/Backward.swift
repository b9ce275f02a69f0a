// The reverse sweep: an iterative topological order, then one pass from the output back
// to the leaves, each node's pullback adding its inputs' shares.

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
    /// - Precondition: the output requires a gradient, and `seed` (if given) has its shape.
    @inlinable
    public func backward(seed: Tensor<Scalar>? = nil) {
        withoutGradients {
            sweep(seed: seed, carrier: Tensor<Scalar>.self, storesLeafGradients: true) { _, _ in }
        }
    }

    /// The reverse sweep shared by ``backward(seed:)``, ``gradients(of:withRespectTo:seed:)``
    /// and ``differentiableGradients(of:withRespectTo:seed:)``.
    ///
    /// Gradients travel as tensors (first order, no graph recorded) or as variables
    /// (recorded, so they can be differentiated again): the `carrier`. `visit` sees every
    /// node with its total gradient, once all of its consumers have contributed, before the
    /// node's own pullback runs; with `storesLeafGradients`, leaves instead add theirs to
    /// their ``gradient`` (``backward(seed:)``).
    @inlinable
    internal func sweep<Carrier: GradientCarrier>(
        seed: Tensor<Scalar>?, carrier: Carrier.Type, storesLeafGradients: Bool,
        visit: (Variable, Carrier) -> Void
    ) where Carrier.Scalar == Scalar {
        require(
            requiresGradient,
            "backward: the output of op '\(op)' \(Shapes.format(shape)) does not require a "
                + "gradient (no input requires one, or it was computed without gradients)")
        let seedValue: Tensor<Scalar>
        if let seed {
            Shapes.requireSame(seed.shape, shape, op: "backward", symbol: "seed for output")
            seedValue = seed
        } else {
            require(
                value.count == 1,
                "backward: output of op '\(op)' has shape \(Shapes.format(shape)), not one "
                    + "element; pass `seed:` with the gradient of the output")
            seedValue = Tensor(repeating: 1, shape: shape)
        }
        let first = linkReverseTopologicalOrder()
        var quiet = GradientMode.current
        let anomalies = quiet.isDetectingAnomalies
        quiet.isDetectingAnomalies = false
        Carrier.add(Carrier.carrying(seedValue), to: self)
        // Walk consumers before inputs: a node's gradient is complete when it is reached.
        // Nodes are borrowed, not retained: the output keeps the whole graph alive.
        var link: Unmanaged<GraphNode>? = first
        while let current = link {
            link = current._withUnsafeGuaranteedRef { base in
                let node = unsafeDowncast(base, to: Variable.self)
                defer { node.orderLink = nil }
                node.isMarked = false
                guard let gradient = Carrier.take(from: node) else { return node.orderLink }
                // A node has a pullback exactly when it has inputs that need gradients.
                guard node.edges.count > 0 else {
                    if storesLeafGradients {
                        Carrier.accumulate(consume gradient, intoGradientOf: node)
                    } else {
                        visit(node, gradient)
                    }
                    return node.orderLink
                }
                visit(node, gradient)
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
                node.distribute(&inputGradients, checkingForAnomalies: anomalies)
                return node.orderLink
            }
        }
    }

    /// Moves each input's gradient from this node's pullback (leaving `nil`) to the input's
    /// pending gradient, after checking that there is one per input and that each has its input's
    /// shape.
    @inlinable
    internal func distribute<Carrier: GradientCarrier>(
        _ inputGradients: inout InputGradients<Carrier>, checkingForAnomalies anomalies: Bool
    ) where Carrier.Scalar == Scalar {
        let count = edges.count
        if inputGradients.count != count {
            reportPullbackMismatch(inputGradients.map { $0?.shape })
        }
        for index in 0..<count {
            guard let contribution = inputGradients.take(index) else { continue }
            Unmanaged.passUnretained(edges[index])._withUnsafeGuaranteedRef { base in
                let parent = unsafeDowncast(base, to: Variable.self)
                guard parent.requiresGradient else { return }
                if contribution.shape != parent.storedValue.borrowed.shape {
                    reportPullbackMismatch(
                        inputGradients.indices.map { $0 == index ? contribution.shape : inputGradients[$0]?.shape })
                }
                if anomalies {
                    Anomaly.check(
                        contribution.tensor, op: op, origin: origin, phase: "backward gradient")
                }
                Carrier.add(contribution, to: parent)
            }
        }
    }

    /// Stops with a message naming the op, where it was created, and the shapes its
    /// pullback returned against its inputs' shapes.
    @usableFromInline
    internal func reportPullbackMismatch(_ gradientShapes: [TensorShape?]) -> Never {
        let inputs = self.inputs
        let place = origin.map { " (created at \($0))" } ?? ""
        Shapes.pullback(
            zip(inputs, gradientShapes).map { $0.requiresGradient ? $1 : nil }
                + gradientShapes.dropFirst(inputs.count),
            inputs: inputs.map(\.shape), op: "backward: op '\(op)'\(place)"
        ).orFail()
        misuseFailure("backward: op '\(op)'\(place): pullback gradients do not match its inputs")
    }
}

/// How gradients travel through a sweep: as plain tensors (first order) or as variables
/// recorded in the graph (higher order).
public protocol GradientCarrier {
    associatedtype Scalar: TensorScalar
    /// Wraps a tensor (a constant, for variables).
    static func carrying(_ tensor: Tensor<Scalar>) -> Self
    var tensor: Tensor<Scalar> { get }
    var shape: TensorShape { get }
    /// The node's vector–Jacobian product applied to `gradient`.
    static func pull(_ node: Variable<Scalar>, _ gradient: consuming Self) -> InputGradients<Self>
    /// Adds a contribution to the node's pending gradient (fan-out: the multivariable
    /// chain rule sums them).
    static func add(_ contribution: consuming Self, to node: Variable<Scalar>)
    /// Removes and returns the node's pending gradient.
    static func take(from node: Variable<Scalar>) -> Self?
    /// Adds a leaf's total gradient to its ``Variable/gradient`` (handed over when the leaf
    /// has none yet).
    static func accumulate(_ gradient: consuming Self, intoGradientOf leaf: Variable<Scalar>)
}

extension Tensor: GradientCarrier {
    @inlinable public static func carrying(_ tensor: Tensor) -> Tensor { tensor }
    @inlinable public var tensor: Tensor { self }
    /// The first-order path: the node's tensor pullback when it has one (fused ops), else
    /// its variable pullback run without recording.
    @inlinable
    public static func pull(_ node: Variable<Scalar>, _ gradient: consuming Tensor)
        -> InputGradients<Tensor>
    {
        if let fast = node.tensorPullback { return fast(node, consume gradient) }
        return InputGradients(node.pullback!(node, Variable(gradient)).map { $0?.value })
    }
    @inlinable
    public static func add(_ contribution: consuming Tensor, to node: Variable<Scalar>) {
        add(contribution, into: &node.pendingTensor)
    }
    @inlinable
    public static func take(from node: Variable<Scalar>) -> Tensor? {
        node.pendingTensor.take()
    }
    @inlinable
    public static func accumulate(_ gradient: consuming Tensor, intoGradientOf leaf: Variable<Scalar>) {
        add(gradient, into: &leaf.storedGradient)
    }
    /// Hands `contribution` over to an empty slot, or adds it to the tensor there in place.
    @inlinable
    internal static func add(_ contribution: consuming Tensor, into slot: inout Tensor?) {
        if slot == nil {
            slot = contribution
        } else {
            slot!.addScaled(contribution, by: 1)
        }
    }
}

extension Variable: GradientCarrier {
    @inlinable public static func carrying(_ tensor: Tensor<Scalar>) -> Variable {
        Variable(tensor)
    }
    @inlinable public var tensor: Tensor<Scalar> { value }
    @inlinable
    public static func pull(_ node: Variable, _ gradient: consuming Variable)
        -> InputGradients<Variable>
    {
        InputGradients(node.pullback!(node, gradient))
    }
    @inlinable
    public static func add(_ contribution: consuming Variable, to node: Variable) {
        if let pending = node.pendingVariable.take() {
            node.pendingVariable = pending.adding(contribution)
        } else {
            node.pendingVariable = contribution
        }
    }
    @inlinable
    public static func take(from node: Variable) -> Variable? {
        node.pendingVariable.take()
    }
    @inlinable
    public static func accumulate(_ gradient: consuming Variable, intoGradientOf leaf: Variable) {
        Tensor.accumulate(gradient.value, intoGradientOf: leaf)
    }
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
@inlinable
public func gradients<Scalar>(
    of output: Variable<Scalar>, withRespectTo variables: [Variable<Scalar>],
    seed: Tensor<Scalar>? = nil
) -> [Tensor<Scalar>] {
    withoutGradients {
        differentiate(output, variables, seed: seed, carrier: Tensor<Scalar>.self)
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
    seed: Tensor<Scalar>? = nil
) -> [Variable<Scalar>] {
    differentiate(output, variables, seed: seed, carrier: Variable<Scalar>.self)
}

@inlinable
internal func differentiate<Scalar, Carrier: GradientCarrier>(
    _ output: Variable<Scalar>, _ variables: [Variable<Scalar>], seed: Tensor<Scalar>?,
    carrier: Carrier.Type
) -> [Carrier] where Carrier.Scalar == Scalar {
    for (i, v) in variables.enumerated() {
        require(
            v.requiresGradient,
            "gradients: variable \(i) (op '\(v.op)', \(Shapes.format(v.shape))) does not "
                + "require a gradient")
    }
    var found = [Carrier?](repeating: nil, count: variables.count)
    output.sweep(seed: seed, carrier: carrier, storesLeafGradients: false) { node, gradient in
        for (i, v) in variables.enumerated() where v === node {
            found[i] = gradient
        }
    }
    return zip(variables, found).map { v, g in g ?? Carrier.carrying(Tensor.zeros(v.shape)) }
}
