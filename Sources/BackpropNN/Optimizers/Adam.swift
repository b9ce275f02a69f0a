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
    public var learningRate: Scalar
    /// The decay of the first moment, β₁.
    public var beta1: Scalar
    /// The decay of the second moment, β₂.
    public var beta2: Scalar
    /// The term ε added to √v̂.
    public var epsilon: Scalar
    /// The L2 weight-decay coefficient λ.
    public var weightDecay: Scalar
    /// The number of steps taken.
    public var step: Int { stepCount }
    @usableFromInline internal var stepCount = 0
    @usableFromInline internal var firstMoments: [Tensor<Scalar>] = []
    @usableFromInline internal var secondMoments: [Tensor<Scalar>] = []

    /// Creates the optimizer with the usual defaults (η = 10⁻³, β₁ = 0.9, β₂ = 0.999,
    /// ε = 10⁻⁸).
    @inlinable
    public init(
        learningRate: Scalar = 1e-3, beta1: Scalar = 0.9, beta2: Scalar = 0.999,
        epsilon: Scalar = 1e-8, weightDecay: Scalar = 0
    ) {
        precondition(learningRate > 0, "Adam: learning rate \(learningRate) is not positive")
        precondition(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1,
                     "Adam: betas \(beta1), \(beta2) are not in [0, 1)")
        precondition(weightDecay >= 0, "Adam: weight decay \(weightDecay) is negative")
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
