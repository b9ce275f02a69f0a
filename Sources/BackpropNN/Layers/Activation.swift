import Backprop

extension Activation {
    /// The same activation: every `Activation` is one fused case of Backprop's `dense` op.
    @available(*, deprecated, message: "every activation is fused: use the activation itself")
    @inlinable public var fused: Activation? { self }

    /// Whether He initialisation suits this activation better than Glorot (ReLU-like).
    @inlinable public var prefersHeInitialization: Bool {
        switch self {
        case .relu, .leakyRelu, .softplus: return true
        case .identity, .sigmoid, .tanh, .softmax: return false
        }
    }
}

/// A layer that applies an `Activation` (Backprop's activation family) element-wise and has no parameters.
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
