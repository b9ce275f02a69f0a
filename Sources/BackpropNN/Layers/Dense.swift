import Backprop

/// A fully connected layer in row-vector form: y = f(x W + b).
///
/// Samples are rows: x is `[batch, inputSize]`, the weight W is stored **input × output**
/// (`[inputSize, outputSize]`), the bias b is `[outputSize]`, added to every row, and f is
/// the activation (Backprop's `Activation`): U = X W + b, the batched form of
/// backpropagation. Texts that write one sample as a column (u = W⁽ˡ⁾x + b) use the transpose, W⁽ˡ⁾ = Wᵀ. Gradients (for the mean
/// over a batch, times 1/m; derived in the article "How reverse mode works" of Backprop's
/// documentation):
///
/// ```
/// Δ = ∇_y ⊙ f'(U),   ∇_W = xᵀ Δ,   ∇_b = column sums of Δ,   ∇_x = Δ Wᵀ
/// ```
///
/// ```swift
/// var rng = SeededGenerator(seed: 0)
/// let layer = Dense<Double>(inputSize: 4, outputSize: 5, activation: .sigmoid,
///                           initializer: .uniformUnit, biasInitializer: .uniformUnit,
///                           using: &rng)
/// let y = layer(Variable(Tensor.zeros([2, 4])))   // [2, 5]
/// ```
public struct Dense<Scalar: TensorScalar>: Layer {
    /// The weight, `[inputSize, outputSize]`.
    public let weight: Variable<Scalar>
    /// The bias, `[outputSize]`.
    public let bias: Variable<Scalar>
    /// The activation applied after the affine map.
    public var activation: Activation

    /// The number of input features.
    @inlinable public var inputSize: Int { weight.shape[0] }
    /// The number of outputs.
    @inlinable public var outputSize: Int { weight.shape[1] }

    /// Creates a layer with freshly initialised parameters.
    ///
    /// - Parameters:
    ///   - inputSize: The number of input features.
    ///   - outputSize: The number of outputs.
    ///   - activation: The activation (default identity).
    ///   - initializer: How to draw the weight (default Glorot uniform).
    ///   - biasInitializer: How to draw the bias (default zeros; the Iris tutorial uses
    ///     `.uniformUnit` for both).
    ///   - generator: The seeded generator; weights are drawn before the bias.
    @inlinable
    public init(
        inputSize: Int, outputSize: Int, activation: Activation = .identity,
        initializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
        using generator: inout SeededGenerator
    ) {
        require(
            inputSize > 0 && outputSize > 0,
            "Dense: sizes must be positive, got \(inputSize) → \(outputSize)")
        let w: Tensor<Scalar> = initializer.make(
            shape: [inputSize, outputSize], fanIn: inputSize, fanOut: outputSize, using: &generator)
        let b: Tensor<Scalar> = biasInitializer.make(
            shape: [outputSize], fanIn: inputSize, fanOut: outputSize, using: &generator)
        self.init(weight: w, bias: b, activation: activation)
    }

    /// Creates a layer from given parameter values.
    ///
    /// - Precondition: `weight` is `[input, output]` and `bias` is `[output]`.
    @inlinable
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>, activation: Activation = .identity) {
        require(
            weight.rank == 2 && bias.shape == [weight.shape.last ?? -1],
            "Dense: weight \(Shapes.format(weight.shape)) and bias \(Shapes.format(bias.shape)) "
                + "do not fit (expected [in, out] and [out])")
        self.weight = Variable(weight, requiresGradient: true)
        self.bias = Variable(bias, requiresGradient: true)
        self.activation = activation
    }

    /// f(x W + b) for a batch `[batch, inputSize]`: one fused `dense` node of Backprop.
    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        input.dense(weight: weight, bias: bias, activation: activation)
    }

    /// `weight` then `bias`.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] {
        [NamedParameter("weight", weight), NamedParameter("bias", bias)]
    }
}
