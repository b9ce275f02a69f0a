import Backprop

/// How to draw the initial values of a parameter, always from a `SeededGenerator` so a
/// seed reproduces a model exactly.
///
/// For a weight with fan-in n_in and fan-out n_out:
///
/// | case | distribution |
/// |---|---|
/// | `zeros` | 0 |
/// | `uniformUnit` | U[0, 1) (the Iris tutorial's) |
/// | `uniform(low:high:)` | U[low, high) |
/// | `normal(standardDeviation:)` | N(0, σ²) |
/// | `glorotUniform` | U[−a, a), a = √(6 / (n_in + n_out)) (Xavier) |
/// | `glorotNormal` | N(0, 2 / (n_in + n_out)) |
/// | `heUniform` | U[−a, a), a = √(6 / n_in) |
/// | `heNormal` | N(0, 2 / n_in) (for ReLU) |
///
/// ```swift
/// var rng = SeededGenerator(seed: 1)
/// let w: Tensor<Float> = Initializer.heNormal.make(shape: [64, 32], fanIn: 64, fanOut: 32,
///                                                  using: &rng)
/// ```
public enum Initializer: Sendable, Hashable, Codable {
    /// All zeros.
    case zeros
    /// Uniform in [0, 1).
    case uniformUnit
    /// Uniform in [low, high).
    case uniform(low: Double, high: Double)
    /// Normal with mean 0 and the given standard deviation.
    case normal(standardDeviation: Double)
    /// Glorot (Xavier) uniform.
    case glorotUniform
    /// Glorot (Xavier) normal.
    case glorotNormal
    /// He (Kaiming) uniform.
    case heUniform
    /// He (Kaiming) normal.
    case heNormal

    /// A tensor of `shape` drawn from this distribution.
    ///
    /// - Parameters:
    ///   - shape: The shape of the parameter.
    ///   - fanIn: The number of inputs of the layer (used by Glorot and He).
    ///   - fanOut: The number of outputs of the layer (used by Glorot).
    ///   - generator: The seeded generator.
    @inlinable
    public func make<Scalar: TensorScalar>(
        shape: TensorShape, fanIn: Int, fanOut: Int, using generator: inout SeededGenerator
    ) -> Tensor<Scalar> {
        func uniform(_ a: Double, _ b: Double) -> Tensor<Scalar> {
            Tensor.uniform(shape, in: Scalar(a)..<Scalar(b), using: &generator)
        }
        func normal(_ sigma: Double) -> Tensor<Scalar> {
            Tensor.normal(shape, standardDeviation: Scalar(sigma), using: &generator)
        }
        let fanIn = Double(Swift.max(fanIn, 1))
        let fanOut = Double(Swift.max(fanOut, 1))
        switch self {
        case .zeros: return Tensor.zeros(shape)
        case .uniformUnit: return uniform(0, 1)
        case .uniform(let low, let high):
            require(low < high, "Initializer.uniform: low \(low) is not below high \(high)")
            return uniform(low, high)
        case .normal(let sigma):
            require(sigma >= 0, "Initializer.normal: negative standard deviation \(sigma)")
            return normal(sigma)
        case .glorotUniform:
            let a = (6 / (fanIn + fanOut)).squareRoot()
            return uniform(-a, a)
        case .glorotNormal: return normal((2 / (fanIn + fanOut)).squareRoot())
        case .heUniform:
            let a = (6 / fanIn).squareRoot()
            return uniform(-a, a)
        case .heNormal: return normal((2 / fanIn).squareRoot())
        }
    }
}
