import Backprop

/// An element-wise activation function, by name, so that models can be saved and built
/// from the command line.
///
/// Each case applies one op of Backprop, whose derivative that op implements:
///
/// | case | f(x) | f'(x) |
/// |---|---|---|
/// | `identity` | x | 1 |
/// | `sigmoid` | 1/(1 + e⁻ˣ) | σ(1 − σ) |
/// | `tanh` | tanh x | 1 − tanh² x |
/// | `relu` | max(x, 0) | 1 if x > 0 else 0 |
/// | `leakyRelu` | x if x > 0 else 0.01x | 1 or 0.01 |
/// | `softplus` | log(1 + eˣ) | σ(x) |
/// | `softmax` | eˣⁱ / Σⱼ eˣʲ along each row | diag(s) − s sᵀ |
public enum Activation: String, Codable, Sendable, CaseIterable {
    /// f(x) = x.
    case identity
    /// σ(x) = 1 / (1 + e⁻ˣ).
    case sigmoid
    /// The hyperbolic tangent.
    case tanh
    /// max(x, 0).
    case relu
    /// x for x > 0, 0.01x otherwise.
    case leakyRelu
    /// log(1 + eˣ).
    case softplus
    /// The softmax of each row (probabilities; pair cross-entropy with `identity` logits
    /// instead, which is fused and stable).
    case softmax

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
        case .tanh: return x.tanh()
        case .relu: return x.relu()
        case .leakyRelu: return x.leakyRelu()
        case .softplus: return x.softplus()
        case .softmax: return x.softmax(alongAxis: -1)
        }
    }

    /// The same function as an activation of Backprop's fused `dense` op, if it is one.
    @inlinable public var fused: DenseActivation? {
        switch self {
        case .identity: return .identity
        case .sigmoid: return .sigmoid
        case .tanh: return .tanh
        case .relu: return .relu
        case .leakyRelu, .softplus, .softmax: return nil
        }
    }

    /// Whether He initialisation suits this activation better than Glorot (ReLU-like).
    @inlinable public var prefersHeInitialization: Bool {
        switch self {
        case .relu, .leakyRelu, .softplus: return true
        case .identity, .sigmoid, .tanh, .softmax: return false
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
