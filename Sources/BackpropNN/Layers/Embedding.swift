import Backprop

/// A trainable `[rows, width]` table drawn from N(0, deviation²).
@inlinable
func learnedTable<Scalar>(
    _ layer: String, rows: Int, width: Int, deviation: Double, using generator: inout SeededGenerator
) -> Variable<Scalar> {
    require(rows > 0 && width > 0, "\(layer): sizes \(rows) × \(width) are not positive")
    return Variable(
        Initializer.normal(standardDeviation: deviation).make(shape: [rows, width], fanIn: rows, fanOut: width, using: &generator),
        requiresGradient: true)
}

/// A learned look-up table from token ids to vectors (PyTorch's `nn.Embedding`): one row
/// of `weight` per id.
///
/// ```swift
/// var rng = SeededGenerator(seed: 0)
/// let embed = Embedding<Float>(vocabularySize: 65, width: 64, using: &rng)
/// let x = embed(ids, shape: [batch, time])   // [batch, time, 64]
/// ```
public struct Embedding<Scalar: TensorScalar>: Layer {
    /// The table, `[vocabularySize, width]`.
    public let weight: Variable<Scalar>

    /// Creates a table drawn from N(0, 1), as PyTorch does.
    @inlinable
    public init(vocabularySize: Int, width: Int, using generator: inout SeededGenerator) {
        weight = learnedTable("Embedding", rows: vocabularySize, width: width, deviation: 1, using: &generator)
    }

    /// The rows of the table at `ids`, arranged as `shape + [width]` (default `[ids.count]`).
    @inlinable
    public func callAsFunction(
        _ ids: [Int], shape: TensorShape? = nil, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable<Scalar> {
        embedding(ids, shape: shape, table: weight, file: file, line: line)
    }

    /// The rows at the ids held (as whole numbers) by `input`, shaped `input.shape + [width]`;
    /// `input` gets no gradient.
    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        self(input.value.scalars.map { Int($0) }, shape: input.shape)
    }

    /// `weight`.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] { [NamedParameter("weight", weight)] }
}

/// Learned positional embeddings (GPT-2's): a vector per position added to a sequence of
/// vectors `[batch, time, width]`.
public struct PositionalEmbedding<Scalar: TensorScalar>: Layer {
    /// The table, `[maximumLength, width]`.
    public let weight: Variable<Scalar>

    /// Creates a table for sequences up to `maximumLength` steps, drawn from N(0, 0.02²).
    @inlinable
    public init(maximumLength: Int, width: Int, using generator: inout SeededGenerator) {
        weight = learnedTable("PositionalEmbedding", rows: maximumLength, width: width, deviation: 0.02, using: &generator)
    }

    /// `input` plus the first `time` rows of the table, broadcast over the batch.
    ///
    /// - Precondition: `input` is `[batch, time, width]` with time ≤ maximumLength.
    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let s = input.shape
        require(
            s.count == 3 && s[1] <= weight.shape[0] && s[2] == weight.shape[1],
            "PositionalEmbedding: input \(Shapes.format(s)) is not [batch, time ≤ \(weight.shape[0]), \(weight.shape[1])]")
        return input + weight.rows(0..<s[1])
    }

    /// `weight`.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] { [NamedParameter("weight", weight)] }
}

/// Layer normalisation over the last axis with a learned scale γ (ones) and offset β
/// (zeros): one fused `layerNorm` node (PyTorch's `nn.LayerNorm(width)`).
public struct LayerNorm<Scalar: TensorScalar>: Layer {
    /// γ, `[width]`.
    public let scale: Variable<Scalar>
    /// β, `[width]`.
    public let offset: Variable<Scalar>
    /// The ε added to the variance.
    public var epsilon: Scalar

    /// Creates the layer for `width` features.
    @inlinable
    public init(width: Int, epsilon: Scalar = 1e-5) {
        require(width > 0, "LayerNorm: width \(width) is not positive")
        scale = Variable(Tensor.ones([width]), requiresGradient: true)
        offset = Variable(Tensor.zeros([width]), requiresGradient: true)
        self.epsilon = epsilon
    }

    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        input.layerNorm(scale: scale, offset: offset, epsilon: epsilon)
    }

    /// `scale` then `offset`.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] {
        [NamedParameter("scale", scale), NamedParameter("offset", offset)]
    }
}
