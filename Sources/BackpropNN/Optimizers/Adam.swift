import Backprop

/// Adam (Kingma and Ba, 2015) with optional weight decay: L2 (added to the gradient) or
/// decoupled (AdamW, Loshchilov and Hutter, 2019: w ← w − ηλw before the step below, the
/// gradient left alone).
///
/// With gradient g (plus λw for L2 weight decay λ > 0), step t = 1, 2, …:
///
/// ```
/// m ← β₁ m + (1 − β₁) g          v ← β₂ v + (1 − β₂) g²
/// m̂ = m / (1 − β₁ᵗ)              v̂ = v / (1 − β₂ᵗ)
/// w ← w − η m̂ / (√v̂ + ε)
/// ```
///
/// ```swift
/// let adam = Adam<Float>(learningRate: 1e-3)
/// let adamW = Adam<Float>(learningRate: 1e-3, weightDecay: 0.01, decoupled: true)   // AdamW
/// ```
public final class Adam<Scalar: TensorScalar>: Optimizer {
    // Fields are `@exclusivity(unchecked)`: an optimizer is not Sendable, so one thread
    // uses it, and run-time exclusivity checks would cost on every field read, once per
    // parameter and step, a cost per-sample training of small models feels.
    @exclusivity(unchecked) public var learningRate: Scalar
    /// The decay of the first moment, β₁.
    @exclusivity(unchecked) public var beta1: Scalar
    /// The decay of the second moment, β₂.
    @exclusivity(unchecked) public var beta2: Scalar
    /// The term ε added to √v̂.
    @exclusivity(unchecked) public var epsilon: Scalar
    /// The L2 weight-decay coefficient λ.
    @exclusivity(unchecked) public var weightDecay: Scalar
    /// Whether the weight decay is decoupled from the gradient (AdamW) rather than L2.
    @exclusivity(unchecked) public var isDecoupled: Bool
    /// The number of steps taken (calls of ``update(_:)``).
    ///
    /// The bias correction of each parameter counts that parameter's own steps (those with
    /// a gradient), as in PyTorch: a parameter first stepped later starts at t = 1.
    public var step: Int { stepCount }
    @exclusivity(unchecked) @usableFromInline internal var stepCount = 0
    /// The moments of each parameter, by the parameter's identity.
    @exclusivity(unchecked) @usableFromInline
    internal var moments = ParameterStates<Scalar, AdamMoments<Scalar>>()

    /// Creates the optimizer with the usual defaults (η = 10⁻³, β₁ = 0.9, β₂ = 0.999,
    /// ε = 10⁻⁸).
    @inlinable
    public init(
        learningRate: Scalar = 1e-3, beta1: Scalar = 0.9, beta2: Scalar = 0.999,
        epsilon: Scalar = 1e-8, weightDecay: Scalar = 0, decoupled: Bool = false
    ) {
        require(learningRate > 0, "Adam: learning rate \(learningRate) is not positive")
        require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1,
                     "Adam: betas \(beta1), \(beta2) are not in [0, 1)")
        require(weightDecay >= 0, "Adam: weight decay \(weightDecay) is negative")
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.isDecoupled = decoupled
    }

    /// Applies one Adam step to every parameter that has a gradient, then sets the
    /// gradients to `nil`.
    ///
    /// The moments are kept per parameter (by the identity of its `Variable`; see
    /// ``Optimizer``): a parameter seen for the first time starts with zero moments.
    ///
    /// - Precondition: each gradient has its parameter's size, and each parameter has the
    ///   shape it had at its first step with this optimizer.
    @inlinable
    public func update(_ parameters: [Variable<Scalar>]) {
        stepCount += 1
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        let eta = learningRate
        // L2 decay enters the gradient; decoupled decay shrinks the weight by 1 − ηλ.
        let (lambda, shrink) = isDecoupled ? (0, 1 - learningRate * weightDecay) : (weightDecay, 1)
        // The bias corrections for step t, computed again only when a parameter's t differs
        // from the previous parameter's (all share it unless one joined later or missed a
        // step), so a step costs two `pow` calls, not two per parameter.
        var correctedStep = 0
        var (c1, c2): (Scalar, Scalar) = (1, 1)
        forEachGradient(
            of: parameters, states: &moments, optimizer: "Adam", stateName: "moments",
            makeState: { AdamMoments(shape: $0) }
        ) { state, g, w in
            state.step += 1
            if state.step != correctedStep {
                correctedStep = state.step
                let t = Scalar(correctedStep)
                c1 = 1 / (1 - Scalar.pow(b1, t))
                c2 = 1 / (1 - Scalar.pow(b2, t))
            }
            state.first.withUnsafeMutableBufferPointer { first in
                state.second.withUnsafeMutableBufferPointer { second in
                    // Copies of the inout pointers, which the loop would reload at every write.
                    let (m, v) = (first, second)
                    require(m.count == w.count && v.count == w.count,
                            "Adam: moments of \(m.count) and \(v.count) elements for a parameter of "
                                + "\(w.count)")
                    for i in 0..<w.count {
                        let gi = g[i] + lambda * w[i]
                        m[i] = b1 * m[i] + (1 - b1) * gi
                        v[i] = b2 * v[i] + (1 - b2) * gi * gi
                        w[i] = shrink * w[i] - eta * (m[i] * c1) / ((v[i] * c2).squareRoot() + eps)
                    }
                }
            }
        }
    }

    /// The state of each of `parameters` that has any, by name, and ``step``.
    ///
    /// - Parameter parameters: The model's named parameters.
    public func state(for parameters: [NamedParameter<Scalar>]) throws -> OptimizerState {
        OptimizerState(optimizer: "Adam", step: stepCount, entries: moments.entries(for: parameters) { (step: $0.step, buffers: ["first": $0.first, "second": $0.second]) })
    }

    /// Replaces the state with `state`, bound to the parameters it names.
    ///
    /// - Parameters:
    ///   - state: State saved by ``state(for:)`` of an Adam.
    ///   - parameters: The model's named parameters.
    /// - Throws: ``OptimizerStateError`` naming the parameter that does not match; the
    ///   optimizer is unchanged then.
    public func loadState(_ state: OptimizerState, for parameters: [NamedParameter<Scalar>]) throws {
        try moments.load(state, optimizer: "Adam", for: parameters, buffers: ["first", "second"]) { AdamMoments(first: $1["first"]!, second: $1["second"]!, step: $0) }
        stepCount = state.step
    }
}

/// One parameter's state in ``Adam``: its moments and the number of its steps.
@usableFromInline
internal struct AdamMoments<Scalar: TensorScalar> {
    /// m, the first moment.
    @usableFromInline internal var first: Tensor<Scalar>
    /// v, the second moment.
    @usableFromInline internal var second: Tensor<Scalar>
    /// t, the steps this parameter took.
    @usableFromInline internal var step = 0

    /// Zero moments for a parameter of shape `shape`.
    @inlinable
    internal init(shape: TensorShape) {
        first = .zeros(shape)
        second = .zeros(shape)
    }

    /// Saved moments.
    internal init(first: Tensor<Scalar>, second: Tensor<Scalar>, step: Int) {
        self.first = first
        self.second = second
        self.step = step
    }
}
