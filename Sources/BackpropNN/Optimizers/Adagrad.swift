import Backprop

/// Adagrad (Duchi, Hazan and Singer, 2011), as PyTorch's `Adagrad` defines it, with
/// optional learning-rate decay and L2 weight decay.
///
/// With gradient g (plus λw for weight decay λ > 0), step t = 1, 2, … of the parameter:
///
/// ```
/// η_t = η / (1 + (t − 1) · decay)
/// s ← s + g²
/// w ← w − η_t g / (√s + ε)
/// ```
///
/// ```swift
/// let adagrad = Adagrad<Float>(learningRate: 0.1)
/// ```
public final class Adagrad<Scalar: TensorScalar>: Optimizer {
    // Fields are `@exclusivity(unchecked)` for the reason given in ``Adam``.
    @exclusivity(unchecked) public var learningRate: Scalar
    /// The learning-rate decay per step.
    @exclusivity(unchecked) public var learningRateDecay: Scalar
    /// The L2 weight-decay coefficient λ.
    @exclusivity(unchecked) public var weightDecay: Scalar
    /// The value every element of the sum of squares starts from.
    @exclusivity(unchecked) public var initialAccumulator: Scalar
    /// The term ε added to the root.
    @exclusivity(unchecked) public var epsilon: Scalar
    /// The number of steps taken (calls of ``update(_:)``).
    public var step: Int { stepCount }
    @exclusivity(unchecked) @usableFromInline internal var stepCount = 0
    /// The sums of squares of each parameter, by the parameter's identity.
    @exclusivity(unchecked) @usableFromInline
    internal var sums = ParameterStates<Scalar, AdagradState<Scalar>>()

    /// Creates the optimizer with PyTorch's defaults (η = 10⁻², no decay, accumulator 0,
    /// ε = 10⁻¹⁰).
    ///
    /// - Parameters:
    ///   - learningRate: The step size η, above 0.
    ///   - learningRateDecay: The decay of η per step, at least 0.
    ///   - weightDecay: The L2 weight-decay coefficient λ, at least 0.
    ///   - initialAccumulator: The value the sum of squares starts from, at least 0.
    ///   - epsilon: The term ε added to the root.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    @inlinable
    public init(
        learningRate: Scalar = 1e-2, learningRateDecay: Scalar = 0, weightDecay: Scalar = 0,
        initialAccumulator: Scalar = 0, epsilon: Scalar = 1e-10, file: StaticString = #fileID, line: UInt = #line
    ) {
        require(learningRate > 0, "Adagrad: learning rate \(learningRate) is not positive", file: file, line: line)
        require(learningRateDecay >= 0, "Adagrad: learning-rate decay \(learningRateDecay) is negative",
                file: file, line: line)
        require(weightDecay >= 0, "Adagrad: weight decay \(weightDecay) is negative", file: file, line: line)
        require(initialAccumulator >= 0, "Adagrad: initial accumulator \(initialAccumulator) is negative",
                file: file, line: line)
        self.learningRate = learningRate
        self.learningRateDecay = learningRateDecay
        self.weightDecay = weightDecay
        self.initialAccumulator = initialAccumulator
        self.epsilon = epsilon
    }

    /// Applies one step to every parameter that has a gradient, then sets the gradients to
    /// `nil`.
    ///
    /// The sums are kept per parameter (by the identity of its `Variable`; see
    /// ``Optimizer``): a parameter seen for the first time starts from the initial
    /// accumulator and step 1.
    ///
    /// - Parameter parameters: The parameters to update.
    @inlinable
    public func update(_ parameters: [Variable<Scalar>]) {
        stepCount += 1
        let (eta, decay, lambda, eps, initial) = (learningRate, learningRateDecay, weightDecay, epsilon, initialAccumulator)
        forEachGradient(
            of: parameters, states: &sums, optimizer: "Adagrad", stateName: "sum of squares",
            makeState: { AdagradState(sum: Tensor(repeating: initial, shape: $0)) }
        ) { state, g, w in
            state.step += 1
            let rate = eta / (1 + Scalar(state.step - 1) * decay)
            state.sum.withUnsafeMutableBufferPointer { buffer in
                let s = buffer   // not the inout pointer, which the loop would reload
                for i in 0..<w.count {
                    let gi = g[i] + lambda * w[i]
                    s[i] += gi * gi
                    w[i] -= rate * gi / (s[i].squareRoot() + eps)
                }
            }
        }
    }

    /// The state of each of `parameters` that has any, by name, and ``step``.
    ///
    /// - Parameter parameters: The model's named parameters.
    public func state(for parameters: [NamedParameter<Scalar>]) throws -> OptimizerState {
        OptimizerState(optimizer: "Adagrad", step: stepCount, entries: sums.entries(for: parameters) { (step: $0.step, buffers: ["sum": $0.sum]) })
    }

    /// Replaces the state with `state`, bound to the parameters it names.
    ///
    /// - Parameters:
    ///   - state: State saved by ``state(for:)`` of an Adagrad.
    ///   - parameters: The model's named parameters.
    /// - Throws: ``OptimizerStateError`` naming the parameter that does not match; the
    ///   optimizer is unchanged then.
    public func loadState(_ state: OptimizerState, for parameters: [NamedParameter<Scalar>]) throws {
        try sums.load(state, optimizer: "Adagrad", for: parameters, buffers: ["sum"]) { step, buffers in
            var state = AdagradState(sum: buffers["sum"]!)
            state.step = step
            return state
        }
        stepCount = state.step
    }
}

/// One parameter's state in ``Adagrad``.
@usableFromInline
internal struct AdagradState<Scalar: TensorScalar> {
    /// s, the sum of g².
    @usableFromInline internal var sum: Tensor<Scalar>
    /// The steps this parameter took.
    @usableFromInline internal var step = 0

    @inlinable
    internal init(sum: Tensor<Scalar>) { self.sum = sum }
}
