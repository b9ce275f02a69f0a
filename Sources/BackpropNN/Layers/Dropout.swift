import Backprop

/// Inverted dropout: in training each element is zeroed with probability `rate` and the
/// survivors are scaled by 1/(1 − rate), so the expected value is unchanged; in inference
/// (inside `withoutGradients`, or `withLearningPhase(.inference)`) it is the identity.
///
/// y = x ⊙ m / (1 − p) with mᵢ ~ Bernoulli(1 − p);  ∂y/∂x = m / (1 − p).
///
/// ```swift
/// let model = Sequential<Float>(Dense(inputSize: 64, outputSize: 128, using: &rng),
///                               Dropout(rate: 0.2, seed: 1), ...)
/// ```
public struct Dropout<Scalar: TensorScalar>: Layer {
    /// The probability of dropping an element.
    public let rate: Double
    @usableFromInline internal let random: RandomBox

    /// Creates a dropout layer with its own seeded generator.
    ///
    /// - Precondition: 0 ≤ rate < 1.
    public init(rate: Double, seed: UInt64 = 0) {
        require(rate >= 0 && rate < 1, "Dropout: rate \(rate) is not in [0, 1)")
        self.rate = rate
        self.random = RandomBox(SeededGenerator(seed: seed))
    }

    /// Masks and rescales in training, passes through in inference.
    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        guard rate > 0, LearningPhase.isTraining else { return input }
        let keep = 1 - rate
        let scale = Scalar(1 / keep)
        let mask = Tensor<Scalar>(shape: input.shape, unsafeUninitializedScalars: { buffer in
            for i in 0..<buffer.count {
                buffer[i] = random.generator.nextUnitInterval() < keep ? scale : 0
            }
        })
        return input * Variable(mask)
    }

    /// None.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] { [] }
}

/// A shared, mutable generator, so a layer value can draw random numbers in a
/// non-mutating forward pass.
public final class RandomBox {
    /// The generator.
    public var generator: SeededGenerator
    /// Wraps a generator.
    public init(_ generator: SeededGenerator) { self.generator = generator }
}
