import Backprop

/// RMSProp (Hinton's lecture notes, 2012), as PyTorch's `RMSprop` defines it, with
/// optional momentum, centering and L2 weight decay.
///
/// With gradient g (plus λw for weight decay λ > 0), per element:
///
/// ```
/// v ← α v + (1 − α) g²
/// centered:      ḡ ← α ḡ + (1 − α) g;   d = √(v − ḡ²) + ε
/// not centered:  d = √v + ε
/// momentum μ > 0: b ← μ b + g / d;  w ← w − η b
/// otherwise:      w ← w − η g / d
/// ```
///
/// ```swift
/// let rmsProp = RMSProp<Float>(learningRate: 0.01, momentum: 0.9)
/// ```
public final class RMSProp<Scalar: TensorScalar>: Optimizer {
    // Fields are `@exclusivity(unchecked)` for the reason given in ``Adam``.
    @exclusivity(unchecked) public var learningRate: Scalar
    /// The decay α of the averages.
    @exclusivity(unchecked) public var alpha: Scalar
    /// The term ε added to the root.
    @exclusivity(unchecked) public var epsilon: Scalar
    /// The L2 weight-decay coefficient λ.
    @exclusivity(unchecked) public var weightDecay: Scalar
    /// The momentum coefficient μ (0: none).
    @exclusivity(unchecked) public var momentum: Scalar
    /// Whether the squared average is centered by the mean gradient's square.
    @exclusivity(unchecked) public var isCentered: Bool
    /// The number of steps taken (calls of ``update(_:)``).
    public var step: Int { stepCount }
    @exclusivity(unchecked) @usableFromInline internal var stepCount = 0
    /// The averages of each parameter, by the parameter's identity.
    @exclusivity(unchecked) @usableFromInline
    internal var averages = ParameterStates<Scalar, RMSPropState<Scalar>>()

    /// Creates the optimizer with PyTorch's defaults (η = 10⁻², α = 0.99, ε = 10⁻⁸, no
    /// momentum, not centered).
    ///
    /// - Parameters:
    ///   - learningRate: The step size η, above 0.
    ///   - alpha: The decay α of the averages, in [0, 1).
    ///   - epsilon: The term ε added to the root.
    ///   - weightDecay: The L2 weight-decay coefficient λ, at least 0.
    ///   - momentum: The momentum coefficient μ, in [0, 1).
    ///   - centered: Whether to center the squared average by the mean gradient's square.
    ///   - file: The file a misuse is reported at (the caller's, by default).
    ///   - line: The line a misuse is reported at (the caller's, by default).
    @inlinable
    public init(
        learningRate: Scalar = 1e-2, alpha: Scalar = 0.99, epsilon: Scalar = 1e-8, weightDecay: Scalar = 0,
        momentum: Scalar = 0, centered: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) {
        require(learningRate > 0, "RMSProp: learning rate \(learningRate) is not positive", file: file, line: line)
        require(alpha >= 0 && alpha < 1, "RMSProp: alpha \(alpha) is not in [0, 1)", file: file, line: line)
        require(momentum >= 0 && momentum < 1, "RMSProp: momentum \(momentum) is not in [0, 1)", file: file, line: line)
        require(weightDecay >= 0, "RMSProp: weight decay \(weightDecay) is negative", file: file, line: line)
        self.learningRate = learningRate
        self.alpha = alpha
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.momentum = momentum
        self.isCentered = centered
    }

    /// Applies one step to every parameter that has a gradient, then sets the gradients to
    /// `nil`.
    ///
    /// The averages are kept per parameter (by the identity of its `Variable`; see
    /// ``Optimizer``): a parameter seen for the first time starts from zero averages.
    ///
    /// - Parameter parameters: The parameters to update.
    @inlinable
    public func update(_ parameters: [Variable<Scalar>]) {
        stepCount += 1
        let (eta, a, eps, lambda, mu, centered) = (learningRate, alpha, epsilon, weightDecay, momentum, isCentered)
        forEachGradient(
            of: parameters, states: &averages, optimizer: "RMSProp", stateName: "averages",
            makeState: { RMSPropState(shape: $0, centered: centered, momentum: mu > 0) }
        ) { state, g, w in
            state.step += 1
            state.withBuffers { v, mean, buffer in
                for i in 0..<w.count {
                    let gi = g[i] + lambda * w[i]
                    v[i] = a * v[i] + (1 - a) * gi * gi
                    var d = v[i]
                    if let mean {
                        mean[i] = a * mean[i] + (1 - a) * gi
                        d -= mean[i] * mean[i]
                    }
                    d = d.squareRoot() + eps
                    if let buffer {
                        buffer[i] = mu * buffer[i] + gi / d
                        w[i] -= eta * buffer[i]
                    } else {
                        w[i] -= eta * gi / d
                    }
                }
            }
        }
    }

    /// The state of each of `parameters` that has any, by name, and ``step``.
    ///
    /// - Parameter parameters: The model's named parameters.
    public func state(for parameters: [NamedParameter<Scalar>]) throws -> OptimizerState {
        OptimizerState(optimizer: "RMSProp", step: stepCount, entries: averages.entries(for: parameters) { (step: $0.step, buffers: $0.buffers) })
    }

    /// Replaces the state with `state`, bound to the parameters it names.
    ///
    /// - Parameters:
    ///   - state: State saved by ``state(for:)`` of an RMSProp with the same momentum (zero or not) and centering.
    ///   - parameters: The model's named parameters.
    /// - Throws: ``OptimizerStateError`` naming the parameter that does not match; the
    ///   optimizer is unchanged then.
    public func loadState(_ state: OptimizerState, for parameters: [NamedParameter<Scalar>]) throws {
        try averages.load(state, optimizer: "RMSProp", for: parameters, buffers: RMSPropState<Scalar>.bufferNames(centered: isCentered, momentum: momentum > 0)) { RMSPropState(step: $0, buffers: $1) }
        stepCount = state.step
    }
}

/// One parameter's state in ``RMSProp``.
@usableFromInline
internal struct RMSPropState<Scalar: TensorScalar> {
    /// v, the average of g².
    @usableFromInline internal var squareAverage: Tensor<Scalar>
    /// ḡ, the average of g (centered only).
    @usableFromInline internal var gradientAverage: Tensor<Scalar>?
    /// b, the momentum buffer (momentum only).
    @usableFromInline internal var momentumBuffer: Tensor<Scalar>?
    /// The steps this parameter took.
    @usableFromInline internal var step = 0

    @inlinable
    internal init(shape: TensorShape, centered: Bool, momentum: Bool) {
        squareAverage = .zeros(shape)
        gradientAverage = centered ? .zeros(shape) : nil
        momentumBuffer = momentum ? .zeros(shape) : nil
    }

    /// The names of the buffers kept with or without centering and momentum.
    internal static func bufferNames(centered: Bool, momentum: Bool) -> [String] {
        ["squareAverage"] + (centered ? ["gradientAverage"] : []) + (momentum ? ["momentumBuffer"] : [])
    }

    /// The buffers kept, by name.
    internal var buffers: [String: Tensor<Scalar>] {
        var buffers = ["squareAverage": squareAverage]
        buffers["gradientAverage"] = gradientAverage
        buffers["momentumBuffer"] = momentumBuffer
        return buffers
    }

    /// Saved state: the buffers named by ``bufferNames(centered:momentum:)``.
    internal init(step: Int, buffers: [String: Tensor<Scalar>]) {
        squareAverage = buffers["squareAverage"]!
        gradientAverage = buffers["gradientAverage"]
        momentumBuffer = buffers["momentumBuffer"]
        self.step = step
    }

    /// Calls `body` with the buffers (nil for those not kept).
    @inlinable
    internal mutating func withBuffers(
        _ body: (
            UnsafeMutableBufferPointer<Scalar>, UnsafeMutableBufferPointer<Scalar>?,
            UnsafeMutableBufferPointer<Scalar>?
        ) -> Void
    ) {
        squareAverage.withUnsafeMutableBufferPointer { v in
            withOptionalBuffer(&gradientAverage) { mean in
                withOptionalBuffer(&momentumBuffer) { buffer in body(v, mean, buffer) }
            }
        }
    }
}

/// Calls `body` with the buffer of `tensor`, or with `nil` when there is no tensor.
@inlinable
internal func withOptionalBuffer<Scalar>(
    _ tensor: inout Tensor<Scalar>?, _ body: (UnsafeMutableBufferPointer<Scalar>?) -> Void
) {
    if tensor == nil { return body(nil) }
    tensor!.withUnsafeMutableBufferPointer { body($0) }
}
