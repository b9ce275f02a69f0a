import Backprop

/// Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay.
///
/// With gradient g, weight decay λ (L2: the loss gains ½λ‖w‖², so g ← g + λw), momentum μ:
///
/// ```
/// plain:     w ← w − η g
/// momentum:  v ← μ v + g;   w ← w − η v
/// Nesterov:  v ← μ v + g;   w ← w − η (g + μ v)
/// ```
///
/// (PyTorch's formulation.) With μ = 0 and λ = 0 this is plain gradient descent,
/// W ← W − η ∇W, the update of classic backpropagation.
///
/// ```swift
/// let sgd = SGD<Float>(learningRate: 0.1, momentum: 0.9, nesterov: true)
/// ```
public final class SGD<Scalar: TensorScalar>: Optimizer {
    // Fields are `@exclusivity(unchecked)`: an optimizer is not Sendable, so one thread
    // uses it, and run-time exclusivity checks would cost on every field read, once per
    // parameter and step, a cost per-sample training of small models feels.
    @exclusivity(unchecked) public var learningRate: Scalar
    /// The momentum coefficient μ (0: none).
    @exclusivity(unchecked) public var momentum: Scalar
    /// Whether to use Nesterov momentum.
    @exclusivity(unchecked) public var nesterov: Bool
    /// The L2 weight-decay coefficient λ.
    @exclusivity(unchecked) public var weightDecay: Scalar
    /// The number of steps taken (calls of ``update(_:)``).
    public var step: Int { stepCount }
    @exclusivity(unchecked) @usableFromInline internal var stepCount = 0
    /// The velocity of each parameter, by the parameter's identity.
    @exclusivity(unchecked) @usableFromInline
    internal var velocities = ParameterStates<Scalar, Tensor<Scalar>>()

    /// Creates the optimizer.
    ///
    /// - Precondition: η > 0, 0 ≤ μ < 1, λ ≥ 0; Nesterov needs μ > 0.
    @inlinable
    public init(
        learningRate: Scalar, momentum: Scalar = 0, nesterov: Bool = false, weightDecay: Scalar = 0
    ) {
        require(learningRate > 0, "SGD: learning rate \(learningRate) is not positive")
        require(momentum >= 0 && momentum < 1, "SGD: momentum \(momentum) is not in [0, 1)")
        require(!nesterov || momentum > 0, "SGD: Nesterov needs a momentum above 0")
        require(weightDecay >= 0, "SGD: weight decay \(weightDecay) is negative")
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    /// Applies one step to every parameter that has a gradient, then sets the gradients
    /// to `nil`.
    ///
    /// With momentum, the velocity is kept per parameter (by the identity of its
    /// `Variable`; see ``Optimizer``): a parameter seen for the first time starts with zero
    /// velocity. Without momentum no state is kept.
    ///
    /// - Precondition: each gradient has its parameter's size and, with momentum, each
    ///   parameter has the shape it had at its first step with this optimizer.
    @inlinable
    public func update(_ parameters: [Variable<Scalar>]) {
        stepCount += 1
        let (eta, mu, lambda, nesterov) = (learningRate, momentum, weightDecay, nesterov)
        if mu == 0 {
            forEachGradient(of: parameters, optimizer: "SGD") { _, g, w in
                for i in 0..<w.count { w[i] -= eta * (g[i] + lambda * w[i]) }
            }
            return
        }
        forEachGradient(
            of: parameters, states: &velocities, optimizer: "SGD", stateName: "velocity",
            makeState: { Tensor.zeros($0) }
        ) { velocity, g, w in
            velocity.withUnsafeMutableBufferPointer { buffer in
                let v = buffer   // not the inout pointer, which the loop would reload
                require(v.count == w.count,
                        "SGD: velocity of \(v.count) elements for a parameter of \(w.count)")
                for i in 0..<w.count {
                    let gi = g[i] + lambda * w[i]
                    v[i] = mu * v[i] + gi
                    w[i] -= eta * (nesterov ? gi + mu * v[i] : v[i])
                }
            }
        }
    }

    /// The state of each of `parameters` that has any, by name, and ``step``.
    ///
    /// - Parameter parameters: The model's named parameters.
    public func state(for parameters: [NamedParameter<Scalar>]) throws -> OptimizerState {
        OptimizerState(optimizer: "SGD", step: stepCount, entries: velocities.entries(for: parameters) { (step: 0, buffers: ["velocity": $0]) })
    }

    /// Replaces the state with `state`, bound to the parameters it names.
    ///
    /// - Parameters:
    ///   - state: State saved by ``state(for:)`` of an SGD with momentum if this one has momentum.
    ///   - parameters: The model's named parameters.
    /// - Throws: ``OptimizerStateError`` naming the parameter that does not match; the
    ///   optimizer is unchanged then.
    public func loadState(_ state: OptimizerState, for parameters: [NamedParameter<Scalar>]) throws {
        try velocities.load(state, optimizer: "SGD", for: parameters, buffers: momentum == 0 ? [] : ["velocity"]) { _, buffers in buffers["velocity"]! }
        stepCount = state.step
    }
}
