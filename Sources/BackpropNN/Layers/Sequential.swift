import Backprop

/// Layers applied one after another: a multilayer perceptron when they are ``Dense``.
///
/// Any ``Layer`` with the same scalar type fits, including your own. Parameter names are
/// prefixed with the layer's position: `"0.weight"`, `"0.bias"`, `"2.weight"`, …
///
/// ```swift
/// var rng = SeededGenerator(seed: 0)
/// let model = Sequential<Float>(
///     Dense(inputSize: 4, outputSize: 5, activation: .sigmoid, using: &rng),
///     Dense(inputSize: 5, outputSize: 3, activation: .sigmoid, using: &rng))
/// model.namedParameters.map(\.name)   // ["0.weight", "0.bias", "1.weight", "1.bias"]
/// ```
///
/// Performance: the built-in layers (``Dense``, ``ActivationLayer``, ``Dropout``, the
/// convolution, pooling, reshaping and batch-norm layers) are kept
/// as concrete values beside the array and called without existential dispatch, so the
/// forward pass is specialised for the scalar type; only layers of your own go through
/// `any Layer`, one indirect call per layer and step. A generic layer of your own runs as
/// generic code there, but Backprop's hot ops (`dense`, `matmul`, the arithmetic of two
/// variables, the activations) still run specialised for `Float` or `Double`, so a layer
/// written with them trains as fast as the built-in one it imitates.
public struct Sequential<Scalar: TensorScalar>: Layer {
    /// The layers, applied in order.
    public var layers: [any Layer<Scalar>] {
        didSet { stages = Self.stages(of: layers) }
    }
    @usableFromInline internal var stages: [Stage]
    /// When positive, a recorded forward pass runs every `checkpointInterval` consecutive
    /// layers as one checkpointed segment (Backprop's `checkpointed`): only the segments'
    /// outputs are kept, and each segment runs again during backward. Gradients are the
    /// same bit for bit; dropout inside a segment is refused, since its recomputation would
    /// draw other masks. 0 (the default): no checkpoints.
    public var checkpointInterval = 0

    /// A layer in concrete form, for a forward pass without existential dispatch.
    @usableFromInline
    internal enum Stage {
        case dense(Dense<Scalar>)
        case activation(Activation)
        case dropout(Dropout<Scalar>)
        case conv1d(Conv1D<Scalar>)
        case conv2d(Conv2D<Scalar>)
        case convTranspose2d(ConvTranspose2D<Scalar>)
        case maxPool2d(MaxPool2D<Scalar>)
        case avgPool2d(AvgPool2D<Scalar>)
        case globalAveragePool
        case batchNorm(BatchNorm<Scalar>)
        case reshape(Reshape<Scalar>)
        case flatten
        case custom(any Layer<Scalar>)
    }

    @inlinable
    internal static func stages(of layers: [any Layer<Scalar>]) -> [Stage] {
        layers.map { layer in
            if let d = layer as? Dense<Scalar> { return .dense(d) }
            if let a = layer as? ActivationLayer<Scalar> { return .activation(a.activation) }
            if let d = layer as? Dropout<Scalar> { return .dropout(d) }
            if let c = layer as? Conv1D<Scalar> { return .conv1d(c) }
            if let c = layer as? Conv2D<Scalar> { return .conv2d(c) }
            if let c = layer as? ConvTranspose2D<Scalar> { return .convTranspose2d(c) }
            if let p = layer as? MaxPool2D<Scalar> { return .maxPool2d(p) }
            if let p = layer as? AvgPool2D<Scalar> { return .avgPool2d(p) }
            if layer is GlobalAveragePool<Scalar> { return .globalAveragePool }
            if let b = layer as? BatchNorm<Scalar> { return .batchNorm(b) }
            if let r = layer as? Reshape<Scalar> { return .reshape(r) }
            if layer is Flatten<Scalar> { return .flatten }
            return .custom(layer)
        }
    }

    /// Creates a container from an array of layers.
    @inlinable public init(_ layers: [any Layer<Scalar>]) {
        self.layers = layers
        self.stages = Self.stages(of: layers)
    }

    /// Creates a container from the layers given in order.
    @inlinable public init(_ layers: any Layer<Scalar>...) { self.init(layers) }

    /// The layers applied in order.
    @inlinable
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        if checkpointInterval > 0 && GradientMode.current.isRecording {
            return checkpointedForward(input)
        }
        return Self.apply(stages[...], to: input)
    }

    /// The stages applied in order.
    @inlinable
    internal static func apply(_ stages: ArraySlice<Stage>, to input: Variable<Scalar>) -> Variable<Scalar> {
        var x = input
        for stage in stages {
            switch stage {
            case .dense(let d): x = d(x)
            case .activation(let a): x = a.apply(x)
            case .dropout(let d): x = d(x)
            case .conv1d(let c): x = c(x)
            case .conv2d(let c): x = c(x)
            case .convTranspose2d(let c): x = c(x)
            case .maxPool2d(let p): x = p(x)
            case .avgPool2d(let p): x = p(x)
            case .globalAveragePool: x = x.globalAveragePool()
            case .batchNorm(let b): x = b(x)
            case .reshape(let r): x = r(x)
            case .flatten: x = x.flattened()
            case .custom(let layer): x = layer(x)
            }
        }
        return x
    }

    /// The parameters of every layer, prefixed with the layer's index.
    @inlinable public var namedParameters: [NamedParameter<Scalar>] { prefixed { $0.namedParameters } }

    /// The buffers of every layer (running statistics), prefixed with the layer's index.
    @inlinable public var namedBuffers: [NamedParameter<Scalar>] { prefixed { $0.namedBuffers } }

    @inlinable
    internal func prefixed(_ list: (any Layer<Scalar>) -> [NamedParameter<Scalar>]) -> [NamedParameter<Scalar>] {
        var result: [NamedParameter<Scalar>] = []
        for (i, layer) in layers.enumerated() {
            for p in list(layer) { result.append(NamedParameter("\(i).\(p.name)", p.variable)) }
        }
        return result
    }
}

extension Sequential {
    /// A fully connected network: `inputSize → hidden[0] → … → outputSize`, every hidden
    /// layer with `activation`, the last with `outputActivation`.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 0)
    /// let mlp = Sequential<Float>.multilayerPerceptron(
    ///     inputSize: 64, hidden: [64], outputSize: 10, activation: .sigmoid,
    ///     outputActivation: .identity, using: &rng)
    /// ```
    /// - Parameters:
    ///   - inputSize: The number of input features.
    ///   - hidden: The sizes of the hidden layers (may be empty).
    ///   - outputSize: The number of outputs.
    ///   - activation: The activation of every hidden layer.
    ///   - outputActivation: The activation of the last layer (`identity` for logits).
    ///   - initializer: The weight initialiser (default: He normal after ReLU-like
    ///     activations, Glorot uniform otherwise). Biases start at zero.
    ///   - dropout: A ``Dropout`` rate applied after every hidden layer (0: none); each
    ///     dropout layer is seeded from `generator`.
    ///   - generator: The seeded generator the weights are drawn from.
    @inlinable
    public static func multilayerPerceptron(
        inputSize: Int, hidden: [Int], outputSize: Int, activation: Activation,
        outputActivation: Activation, initializer: Initializer? = nil, dropout: Double = 0,
        using generator: inout SeededGenerator
    ) -> Sequential {
        let sizes = [inputSize] + hidden + [outputSize]
        var layers: [any Layer<Scalar>] = []
        for k in 0..<(sizes.count - 1) {
            let last = k == sizes.count - 2
            let f = last ? outputActivation : activation
            let initial = initializer ?? (f.prefersHeInitialization ? .heNormal : .glorotUniform)
            layers.append(Dense<Scalar>(inputSize: sizes[k], outputSize: sizes[k + 1], activation: f,
                                        initializer: initial, using: &generator))
            if !last && dropout > 0 { layers.append(Dropout<Scalar>(rate: dropout, seed: generator.next())) }
        }
        return Sequential(layers)
    }
}
