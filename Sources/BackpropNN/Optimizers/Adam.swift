import Backprop

/// Adam (Kingma and Ba, 2015) with optional L2 weight decay.
///
/// With gradient g (plus λw when weight decay λ > 0), step t = 1, 2, …:
///
/// ```
/// m ← β₁ m + (1 − β₁) g          v ← β₂ v + (1 − β₂) g²
/// m̂ = m / (1 − β₁ᵗ)              v̂ = v / (1 − β₂ᵗ)
/// w ← w − η m̂ / (√v̂ + ε)
/// ```
///
/// ```swift
/// let adam = Adam<Float>(learningRate: 1e-3)
/// ```
public final class Adam<Scalar: TensorScalar>: Optimizer {
    // Fields are `@exclusivity(unchecked)`: an optimizer is not Sendable, so one thread
    // uses it, and run-time exclusivity checks on every field read showed in profiles of
    // per-sample training.
    @exclusivity(unchecked) public var learningRate: Scalar
    /// The decay of the first moment, β₁.
    @exclusivity(unchecked) public var beta1: Scalar
    /// The decay of the second moment, β₂.
    @exclusivity(unchecked) public var beta2: Scalar
    /// The term ε added to √v̂.
    @exclusivity(unchecked) public var epsilon: Scalar
    /// The L2 weight-decay coefficient λ.
    @exclusivity(unchecked) public var weightDecay: Scalar
    /// The number of steps taken.
    public var step: Int { stepCount }
    @exclusivity(unchecked) @usableFromInline internal var stepCount = 0
    @exclusivity(unchecked) @usableFromInline internal var firstMoments: [Tensor<Scalar>] = []
    @exclusivity(unchecked) @usableFromInline internal var secondMoments: [Tensor<Scalar>] = []

    /// Creates the optimizer with the usual defaults (η = 10⁻³, β₁ = 0.9, β₂ = 0.999,
    /// ε = 10⁻⁸).
    @inlinable
    public init(
        learningRate: Scalar = 1e-3, beta1: Scalar = 0.9, beta2: Scalar = 0.999,
        epsilon: Scalar = 1e-8, weightDecay: Scalar = 0
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
    }

    @inlinable
    public func update(_ parameters: [Variable<Scalar>]) {
        if firstMoments.count != parameters.count {
            firstMoments = parameters.map { Tensor.zeros($0.shape) }
            secondMoments = firstMoments
            stepCount = 0
        }
        stepCount += 1
        let t = Scalar(stepCount)
        let (b1, b2, eps, lambda) = (beta1, beta2, epsilon, weightDecay)
        let c1 = 1 / (1 - Scalar.pow(b1, t))
        let c2 = 1 / (1 - Scalar.pow(b2, t))
        let eta = learningRate
        forEachGradient(of: parameters, optimizer: "Adam") { index, g, w in
            firstMoments[index].withUnsafeMutableBufferPointer { m in
                secondMoments[index].withUnsafeMutableBufferPointer { v in
                    for i in 0..<w.count {
                        let gi = g[i] + lambda * w[i]
                        m[i] = b1 * m[i] + (1 - b1) * gi
                        v[i] = b2 * v[i] + (1 - b2) * gi * gi
                        w[i] -= eta * (m[i] * c1) / ((v[i] * c2).squareRoot() + eps)
                    }
                }
            }
        }
    }
}
