import Backprop

/// Applies a 2-D layer to every position of a `[batch, time, features]` sequence.
@inlinable
func applyToPositions<L: Layer>(_ layer: L, _ x: Variable<L.Scalar>) -> Variable<L.Scalar> {
    let s = x.shape
    let y = layer(x.reshaped(to: [s[0] * s[1], s[2]]))
    return y.reshaped(to: [s[0], s[1], y.shape[1]])
}

/// Multi-head self-attention over `[batch, time, width]` (PyTorch's `nn.MultiheadAttention`
/// with `batch_first=True`, query = key = value): the query, key and value projections,
/// Backprop's `scaledDotProductAttention(query:key:value:mask:)` per head, then the output
/// projection.
///
/// ```swift
/// var rng = SeededGenerator(seed: 0)
/// let attention = MultiHeadAttention<Float>(width: 64, heads: 4, causal: true, using: &rng)
/// let y = attention(x)   // [batch, time, 64]
/// ```
public struct MultiHeadAttention<Scalar: TensorScalar>: Layer {
    /// The projections of the queries, keys, values (`[width, width]` each) and the output.
    public let query, key, value, output: Dense<Scalar>
    /// The number of heads (each of width / heads features).
    public let heads: Int
    /// Whether a position attends only to itself and earlier positions.
    public var isCausal: Bool

    /// Creates the layer with Glorot-uniform projections and zero biases.
    @inlinable
    public init(width: Int, heads: Int, causal: Bool = false, using generator: inout SeededGenerator) {
        require(
            heads > 0 && width > 0 && width % heads == 0,
            "MultiHeadAttention: width \(width) is not a positive multiple of \(heads) heads")
        func projection() -> Dense<Scalar> { Dense(inputSize: width, outputSize: width, using: &generator) }
        (query, key, value, output) = (projection(), projection(), projection(), projection())
        self.heads = heads
        self.isCausal = causal
    }

    /// The attended sequence, `[batch, time, width]`.
    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let s = input.shape
        let width = query.inputSize
        require(s.count == 3 && s[2] == width, "MultiHeadAttention: input \(Shapes.format(s)) is not [batch, time, \(width)]")
        let (batch, time) = (s[0], s[1])
        func split(_ projection: Dense<Scalar>) -> Variable<Scalar> {
            applyToPositions(projection, input).reshaped(to: [batch, time, heads, width / heads]).permuted([0, 2, 1, 3])
        }
        let attended = scaledDotProductAttention(
            query: split(query), key: split(key), value: split(value), mask: isCausal ? .causalMask(length: time) : nil)
        return applyToPositions(output, attended.permuted([0, 2, 1, 3]).reshaped(to: [batch, time, width]))
    }

    /// `query.*`, `key.*`, `value.*`, `output.*`.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] {
        [("query", query), ("key", key), ("value", value), ("output", output)].flatMap { name, layer in
            layer.namedParameters.map { NamedParameter("\(name).\($0.name)", $0.variable) }
        }
    }
}

/// A pre-layer-norm transformer block (GPT-2's):
/// x + attention(LN₁(x)), then + MLP(LN₂(x)) with MLP = Dense(width → 4·width), GELU,
/// Dense(4·width → width).
public struct TransformerBlock<Scalar: TensorScalar>: Layer {
    public let attentionNorm, mlpNorm: LayerNorm<Scalar>
    public let attention: MultiHeadAttention<Scalar>
    public let expand, contract: Dense<Scalar>
    /// How GELU is evaluated in the MLP.
    public var geluApproximation: GELUApproximation

    /// Creates a block of `width` features and `heads` heads, causal by default.
    @inlinable
    public init(
        width: Int, heads: Int, causal: Bool = true, geluApproximation: GELUApproximation = .tanh,
        using generator: inout SeededGenerator
    ) {
        attentionNorm = LayerNorm(width: width)
        mlpNorm = LayerNorm(width: width)
        attention = MultiHeadAttention(width: width, heads: heads, causal: causal, using: &generator)
        expand = Dense(inputSize: width, outputSize: 4 * width, using: &generator)
        contract = Dense(inputSize: 4 * width, outputSize: width, using: &generator)
        self.geluApproximation = geluApproximation
    }

    /// The block applied to `[batch, time, width]`.
    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let x = input + attention(attentionNorm(input))
        let hidden = applyToPositions(expand, mlpNorm(x)).gelu(approximation: geluApproximation)
        return x + applyToPositions(contract, hidden)
    }

    /// `attentionNorm.*`, `attention.*`, `mlpNorm.*`, `expand.*`, `contract.*`.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] {
        let parts: [(String, [NamedParameter<Scalar>])] = [
            ("attentionNorm", attentionNorm.namedParameters), ("attention", attention.namedParameters),
            ("mlpNorm", mlpNorm.namedParameters), ("expand", expand.namedParameters),
            ("contract", contract.namedParameters),
        ]
        return parts.flatMap { name, ps in ps.map { NamedParameter("\(name).\($0.name)", $0.variable) } }
    }
}
