import Backprop

/// An element-wise activation function, by name, so that models can be saved and built
/// from the command line.
///
/// Each case applies one op of Backprop, whose derivative that op implements:
/// `identity` (f(x) = x, f' = 1), `sigmoid` (σ(x) = 1/(1 + e⁻ˣ), σ' = σ(1 − σ)).
public enum Activation: String, Codable, Sendable, CaseIterable {
    /// f(x) = x.
    case identity
    /// σ(x) = 1 / (1 + e⁻ˣ).
    case sigmoid

    /// Applies the activation.
    ///
    /// ```swift
    /// Activation.sigmoid.apply(Variable(Tensor<Double>([0]))).value   // [0.5]
    /// ```
    @inlinable
    public func apply<Scalar>(_ x: Variable<Scalar>) -> Variable<Scalar> {
        switch self {
        case .identity: return x
        case .sigmoid: return x.sigmoid()
        }
    }

    /// Whether He initialisation suits this activation better than Glorot (ReLU-like).
    @inlinable public var prefersHeInitialization: Bool {
        switch self {
        case .identity, .sigmoid: return false
        }
    }
}

/// A layer that applies an ``Activation`` element-wise and has no parameters.
///
/// ```swift
/// let model = Sequential<Float>(Dense(inputSize: 4, outputSize: 5, using: &rng),
///                               ActivationLayer(.sigmoid))
/// ```
public struct ActivationLayer<Scalar: TensorScalar>: Layer {
    /// The activation.
    public var activation: Activation
    /// Creates the layer.
    @inlinable public init(_ activation: Activation) { self.activation = activation }
    /// `activation.apply(input)`.
    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        activation.apply(input)
    }
    /// None.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] { [] }
}
