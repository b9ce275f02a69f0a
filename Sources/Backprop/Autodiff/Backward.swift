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
    public func backward(seed: Tensor<Scalar>? = nil) {
        withoutGradients {
            sweep(seed: seed, createGraph: false) { node, gradient in
                guard node.pullback == nil, node.requiresGradient else { return }
                if node.gradient == nil {
                    node.gradient = gradient.value
                } else {
                    node.gradient! += gradient.value
                }
            }
        }
    }

    /// The reverse sweep shared by ``backward(seed:)`` and ``gradients(of:withRespectTo:seed:)``.
    ///
    /// `visit` sees every node with its total gradient, once all of its consumers have
    /// contributed, before the node's own pullback runs.
    @usableFromInline
    internal func sweep(
        seed: Tensor<Scalar>?, createGraph: Bool, visit: (Variable, Variable) -> Void
    ) {
        precondition(
            requiresGradient,
            "backward: the output of op '\(op)' \(Shapes.format(shape)) does not require a "
                + "gradient (no input requires one, or it was computed without gradients)")
        let seedValue: Tensor<Scalar>
        if let seed {
            _ = Shapes.same(seed.shape, shape, op: "backward", symbol: "seed for output").orFail()
            seedValue = seed
        } else {
            precondition(
                value.count == 1,
                "backward: output of op '\(op)' has shape \(Shapes.format(shape)), not one "
                    + "element; pass `seed:` with the gradient of the output")
            seedValue = Tensor(repeating: 1, shape: shape)
        }
        let order = topologicalOrder()
        let anomalies = GradientMode.current.isDetectingAnomalies
        var quiet = GradientMode.current
        quiet.isDetectingAnomalies = false
        pendingGradient = Variable(seedValue)
        for node in order.reversed() {
            node.isMarked = false
            guard let gradient = node.pendingGradient else { continue }
            node.pendingGradient = nil
            visit(node, gradient)
            guard let pullback = node.pullback else { continue }
            // Under anomaly detection the ops inside a pullback are not checked one by one:
            // their results are checked below as the gradients of this node's inputs, so a
            // report names the op whose backward failed and where it was created.
            let inputGradients =
                anomalies ? GradientMode.$current.withValue(quiet) { pullback(node, gradient) }
                : pullback(node, gradient)
            if inputGradients.count != node.inputs.count
                || zip(node.inputs, inputGradients).contains(where: { x, g in
                    g != nil && x.requiresGradient && g!.shape != x.shape
                })
            {
                let place = node.origin.map { " (created at \($0))" } ?? ""
                Shapes.pullback(
                    zip(node.inputs, inputGradients).map { $0.requiresGradient ? $1?.shape : nil }
                        + inputGradients.dropFirst(node.inputs.count).map { $0?.shape },
                    inputs: node.inputs.map(\.shape), op: "backward: op '\(node.op)'\(place)"
                ).orFail()
            }
            for (input, contribution) in zip(node.inputs, inputGradients) {
                guard let contribution, input.requiresGradient else { continue }
                if anomalies {
                    Anomaly.check(
                        contribution.value, op: node.op, origin: node.origin,
                        phase: "backward gradient")
                }
                if let existing = input.pendingGradient {
                    input.pendingGradient =
                        createGraph ? existing + contribution : Variable(existing.value + contribution.value)
                } else {
                    input.pendingGradient = contribution
                }
            }
        }
    }

    /// The nodes that require a gradient, inputs before the ops that use them (an
    /// iterative depth-first post-order, marking nodes to visit each once).
    @usableFromInline
    internal func topologicalOrder() -> [Variable] {
        var order: [Variable] = []
        var stack: [(node: Variable, next: Int)] = [(self, 0)]
        isMarked = true
        while let (node, next) = stack.last {
            if next < node.inputs.count {
                stack[stack.count - 1].next = next + 1
                let input = node.inputs[next]
                if input.requiresGradient && !input.isMarked {
                    input.isMarked = true
                    stack.append((input, 0))
                }
            } else {
                order.append(node)
                stack.removeLast()
            }
        }
        return order
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
public func gradients<Scalar>(
    of output: Variable<Scalar>, withRespectTo variables: [Variable<Scalar>],
    seed: Tensor<Scalar>? = nil
) -> [Tensor<Scalar>] {
    withoutGradients {
        differentiate(output, variables, seed: seed, createGraph: false).map(\.value)
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
public func differentiableGradients<Scalar>(
    of output: Variable<Scalar>, withRespectTo variables: [Variable<Scalar>],
    seed: Tensor<Scalar>? = nil
) -> [Variable<Scalar>] {
    differentiate(output, variables, seed: seed, createGraph: true)
}

@usableFromInline
internal func differentiate<Scalar>(
    _ output: Variable<Scalar>, _ variables: [Variable<Scalar>], seed: Tensor<Scalar>?,
    createGraph: Bool
) -> [Variable<Scalar>] {
    for (i, v) in variables.enumerated() {
        precondition(
            v.requiresGradient,
            "gradients: variable \(i) (op '\(v.op)', \(Shapes.format(v.shape))) does not "
                + "require a gradient")
    }
    var found = [Variable<Scalar>?](repeating: nil, count: variables.count)
    output.sweep(seed: seed, createGraph: createGraph) { node, gradient in
        for (i, v) in variables.enumerated() where v === node {
            found[i] = gradient
        }
    }
    return zip(variables, found).map { v, g in g ?? Variable(Tensor.zeros(v.shape)) }
}
