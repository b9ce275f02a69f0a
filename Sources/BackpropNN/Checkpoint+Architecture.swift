import Backprop
import Foundation

/// The architecture of one layer, as saved in a ``Checkpoint``: a built-in layer, a
/// ``Sequential`` of layers, or a layer of your own (``CodableLayer``).
public enum LayerSpec: Codable, Sendable, Equatable {
    /// ``Dense``.
    case dense(inputSize: Int, outputSize: Int, activation: Activation)
    /// ``ActivationLayer``.
    case activation(Activation)
    /// ``Dropout``.
    case dropout(rate: Double)
    /// ``Conv1D``.
    case conv1d(ConvolutionConfiguration)
    /// ``Conv2D``.
    case conv2d(ConvolutionConfiguration)
    /// ``ConvTranspose2D``.
    case convTranspose2d(ConvolutionConfiguration)
    /// ``MaxPool2D``.
    case maxPool2d(kernelSize: Size2D, stride: Size2D?, padding: Padding)
    /// ``AvgPool2D``.
    case avgPool2d(kernelSize: Size2D, stride: Size2D?, padding: Padding)
    /// ``GlobalAveragePool``.
    case globalAveragePool
    /// ``Flatten``.
    case flatten
    /// ``Reshape``.
    case reshape(sampleShape: [Int])
    /// ``BatchNorm`` (its running statistics are saved as buffers).
    case batchNorm(channels: Int, momentum: Double, epsilon: Double)
    /// A ``Sequential`` inside the model, with its layers.
    case sequential(layers: [LayerSpec])
    /// A ``CodableLayer`` of your own: its ``CodableLayer/layerName`` and its
    /// ``CodableLayer/configuration`` as JSON text.
    case custom(name: String, configuration: String)
}

/// A built-in layer whose architecture is one case of ``LayerSpec``. For a layer of your
/// own, conform to ``CodableLayer`` instead.
public protocol DescribableLayer: Layer {
    /// The layer's architecture.
    var spec: LayerSpec { get }
}

/// A layer of your own that a ``Checkpoint`` saves whole: its configuration (the sizes and
/// options its initialiser needs, not the parameter values) is written with the parameters,
/// and ``Checkpoint/makeModel(as:layerTypes:)`` builds it again when you pass its type.
///
/// ```swift
/// struct Residual: CodableLayer {
///     struct Configuration: Codable { var width: Int }
///     let inner: Dense<Float>
///     var configuration: Configuration { Configuration(width: inner.inputSize) }
///
///     init(configuration: Configuration) {
///         var rng = SeededGenerator(seed: 0)   // the checkpoint's values replace these
///         inner = Dense(inputSize: configuration.width, outputSize: configuration.width,
///                       activation: .relu, using: &rng)
///     }
///     func callAsFunction(_ x: Variable<Float>) -> Variable<Float> { x + inner(x) }
/// }
///
/// try Checkpoint(model: Sequential<Float>(Residual(configuration: .init(width: 4)))).write(to: url)
/// let model = try Checkpoint.read(from: url).makeModel(as: Float.self, layerTypes: [Residual.self])
/// ```
public protocol CodableLayer<Scalar>: Layer {
    /// What ``init(configuration:)`` needs to build the layer.
    associatedtype Configuration: Codable
    /// The name the checkpoint stores for the layer type; the types passed to
    /// ``Checkpoint/makeModel(as:layerTypes:)`` are matched by it. The default is the
    /// type's name without generic arguments (`"Residual"` for `Residual<Float>`).
    static var layerName: String { get }
    /// The layer's configuration, written to the checkpoint.
    var configuration: Configuration { get }
    /// Builds a layer from a configuration read back from a checkpoint; the parameters'
    /// values are then loaded into it, so their initial values do not matter.
    ///
    /// - Parameter configuration: The configuration the saved layer had.
    init(configuration: Configuration) throws
}

extension CodableLayer {
    /// The type's name without generic arguments.
    public static var layerName: String {
        String(String(describing: Self.self).prefix { $0 != "<" })
    }
}

extension Dense: DescribableLayer {
    public var spec: LayerSpec {
        .dense(inputSize: inputSize, outputSize: outputSize, activation: activation)
    }
}
extension ActivationLayer: DescribableLayer {
    public var spec: LayerSpec { .activation(activation) }
}
extension Dropout: DescribableLayer {
    public var spec: LayerSpec { .dropout(rate: rate) }
}
extension Convolution: DescribableLayer {
    public var spec: LayerSpec { Kind.spec(configuration) }
}
extension Pool2D: DescribableLayer {
    public var spec: LayerSpec { Operation.spec(kernelSize: kernelSize, stride: stride, padding: padding) }
}
extension GlobalAveragePool: DescribableLayer {
    public var spec: LayerSpec { .globalAveragePool }
}
extension Flatten: DescribableLayer {
    public var spec: LayerSpec { .flatten }
}
extension Reshape: DescribableLayer {
    public var spec: LayerSpec { .reshape(sampleShape: sampleShape) }
}
extension BatchNorm: DescribableLayer {
    public var spec: LayerSpec { .batchNorm(channels: channels, momentum: momentum, epsilon: epsilon) }
}

extension Checkpoint {
    /// The architecture of a model: the layers of a ``Sequential`` (nested ones included)
    /// or the model itself, each a built-in layer or a ``CodableLayer``.
    ///
    /// - Parameter model: The model to describe.
    /// - Throws: ``CheckpointError/notDescribable(layer:type:)`` naming the first layer
    ///   that is neither.
    public static func architecture<Model: Layer>(of model: Model) throws -> [LayerSpec] {
        if let sequential = model as? Sequential<Model.Scalar> {
            return try specs(of: sequential, prefix: "")
        }
        return [try spec(of: model, path: "0")]
    }

    private static func specs<Scalar>(of sequential: Sequential<Scalar>, prefix: String) throws -> [LayerSpec] {
        try sequential.layers.enumerated().map { i, layer in try spec(of: layer, path: prefix + String(i)) }
    }

    private static func spec<L: Layer>(of layer: L, path: String) throws -> LayerSpec {
        if let sequential = layer as? Sequential<L.Scalar> {
            return .sequential(layers: try specs(of: sequential, prefix: path + "."))
        }
        if let described = layer as? any DescribableLayer { return described.spec }
        if let codable = layer as? any CodableLayer { return try custom(codable, path: path) }
        throw CheckpointError.notDescribable(layer: path, type: "\(L.self)")
    }

    private static func custom<L: CodableLayer>(_ layer: L, path: String) throws -> LayerSpec {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do {
            let json = try encoder.encode(layer.configuration)
            return .custom(name: L.layerName, configuration: String(decoding: json, as: UTF8.self))
        } catch {
            throw CheckpointError.inconsistentArchitecture(
                "layer \(path) (\(L.layerName)): its configuration cannot be encoded (\(error))")
        }
    }

    /// Builds the model the checkpoint describes, with its parameters: a ``Sequential`` of
    /// the saved layers (of one layer, for a model that was a single layer).
    ///
    /// ```swift
    /// let model = try Checkpoint.read(from: url).makeModel(as: Float.self, layerTypes: [Residual.self])
    /// ```
    /// - Parameters:
    ///   - type: The scalar type of the model to build.
    ///   - layerTypes: The ``CodableLayer`` types of your own the model may hold, matched
    ///     by ``CodableLayer/layerName`` (none for a model of built-in layers).
    /// - Throws: ``CheckpointError`` if there is no architecture, a saved layer of your own
    ///   is not among `layerTypes` or its configuration does not decode, or the parameters
    ///   do not match the layers.
    public func makeModel<Scalar: TensorScalar>(
        as type: Scalar.Type = Scalar.self, layerTypes: [any CodableLayer<Scalar>.Type] = []
    ) throws -> Sequential<Scalar> {
        guard let layers else { throw CheckpointError.noArchitecture }
        try validateArchitecture(layers)
        var rng = SeededGenerator(seed: 0)
        func build(_ specs: [LayerSpec], prefix: String) throws -> Sequential<Scalar> {
            Sequential<Scalar>(try specs.enumerated().map { i, spec -> any Layer<Scalar> in
                switch spec {
                case .dense(let i, let o, let a):
                    return Dense<Scalar>(inputSize: i, outputSize: o, activation: a,
                                         initializer: .zeros, using: &rng)
                case .activation(let a): return ActivationLayer<Scalar>(a)
                case .dropout(let rate): return Dropout<Scalar>(rate: Swift.min(Swift.max(rate, 0), 0.99))
                case .conv1d(let c): return Conv1D<Scalar>(c, initializer: .zeros, using: &rng)
                case .conv2d(let c): return Conv2D<Scalar>(c, initializer: .zeros, using: &rng)
                case .convTranspose2d(let c): return ConvTranspose2D<Scalar>(c, initializer: .zeros, using: &rng)
                case .maxPool2d(let k, let s, let p): return MaxPool2D<Scalar>(kernelSize: k, stride: s, padding: p)
                case .avgPool2d(let k, let s, let p): return AvgPool2D<Scalar>(kernelSize: k, stride: s, padding: p)
                case .globalAveragePool: return GlobalAveragePool<Scalar>()
                case .flatten: return Flatten<Scalar>()
                case .reshape(let shape): return Reshape<Scalar>(sampleShape: shape)
                case .batchNorm(let c, let m, let e): return BatchNorm<Scalar>(channels: c, momentum: m, epsilon: e)
                case .sequential(let inner): return try build(inner, prefix: prefix + "\(i).")
                case .custom(let name, let configuration):
                    guard let layerType = layerTypes.first(where: { $0.layerName == name }) else {
                        throw CheckpointError.unknownLayerType(layer: prefix + String(i), name: name)
                    }
                    return try Self.make(layerType, configuration: configuration, path: prefix + String(i))
                }
            })
        }
        let model = try build(layers, prefix: "")
        // A model that was one layer, not a Sequential, saved its parameters without the
        // "0." of a position: they load into that layer.
        let wasOneLayer = layers.count == 1 && !(parameters + (buffers ?? [])).contains { $0.name.hasPrefix("0.") }
        try wasOneLayer ? load(into: model.layers[0]) : load(into: model)
        return model
    }

    /// Builds a model of your own saved whole (a ``CodableLayer`` that is the model itself,
    /// not a layer of a ``Sequential``), with its parameters.
    ///
    /// ```swift
    /// let model = try Checkpoint.read(from: url).makeModel(Classifier<Float>.self)
    /// ```
    /// - Parameter type: The model's type, whose ``CodableLayer/layerName`` the checkpoint
    ///   must name.
    /// - Throws: ``CheckpointError`` if the checkpoint holds another architecture, the
    ///   configuration does not decode or the parameters do not match the model.
    public func makeModel<Model: CodableLayer>(_ type: Model.Type) throws -> Model {
        guard let layers else { throw CheckpointError.noArchitecture }
        guard layers.count == 1, case .custom(let name, let configuration) = layers[0], name == Model.layerName else {
            throw CheckpointError.inconsistentArchitecture(
                "the checkpoint does not hold one \(DataError.quoted(Model.layerName)) model (its layers: "
                    + layers.map(Self.summary).joined(separator: ", ") + ")")
        }
        let model = try Self.make(Model.self, configuration: configuration, path: "0")
        try load(into: model)
        return model
    }

    /// A layer's kind, for messages (`dense`, `sequential`, the name of a layer of your own).
    private static func summary(_ spec: LayerSpec) -> String {
        if case .custom(let name, _) = spec { return DataError.quoted(name) }
        return String(String(describing: spec).prefix { $0.isLetter || $0.isNumber })
    }

    private static func make<L: CodableLayer>(_ type: L.Type, configuration: String, path: String) throws -> L {
        let decoded: L.Configuration
        do { decoded = try JSONDecoder().decode(L.Configuration.self, from: Data(configuration.utf8)) } catch {
            throw CheckpointError.inconsistentArchitecture(
                "layer \(path) (\(L.layerName)): its configuration \(configuration) does not decode (\(describe(error)))")
        }
        return try L(configuration: decoded)
    }

    /// Where a check of the layers has got to: what the layer before gives, and the number of
    /// parameter values so far (`nil` once a layer of your own is met, whose count only its
    /// parameters tell).
    private struct ArchitectureWalk {
        var width: Int?
        var channels: Int?
        var expected: Int? = 0
    }

    /// Checks, before anything is allocated, that the layers chain (each dense layer takes
    /// the width the one before gives, the first takes one input per feature name) and,
    /// when there is no layer of your own, that they describe exactly the saved parameters
    /// (otherwise loading the parameters checks each name and shape).
    private func validateArchitecture(_ layers: [LayerSpec]) throws {
        var walk = ArchitectureWalk(width: featureNames.isEmpty ? nil : featureNames.count)
        try validate(layers, prefix: "", &walk)
        let saved = parameters.reduce(0) { $0 + $1.values.count }
        if let expected = walk.expected, expected != saved {
            throw CheckpointError.inconsistentArchitecture(
                "the layers have \(expected) parameters, the checkpoint holds \(saved) values")
        }
    }

    private func validate(_ layers: [LayerSpec], prefix: String, _ walk: inout ArchitectureWalk) throws {
        for (position, spec) in layers.enumerated() {
            let index = prefix + String(position)
            var count: Int? = 0
            switch spec {
            case .dense(let i, let o, _):
                count = try denseParameterCount(
                    index: index, inputs: i, outputs: o, width: walk.width, first: walk.expected == 0)
                (walk.width, walk.channels) = (o, nil)
            case .conv1d(let c), .conv2d(let c), .convTranspose2d(let c):
                if let problem = c.problem {
                    throw CheckpointError.inconsistentArchitecture("layer \(index) (convolution): \(problem)")
                }
                if let channels = walk.channels, channels != c.inChannels {
                    throw CheckpointError.inconsistentArchitecture(
                        "layer \(index) (convolution) takes \(c.inChannels) channels, the layer before gives \(channels)")
                }
                guard c.outChannels <= 1 << 20, c.inChannels <= 1 << 20, c.kernelSize.height <= 1 << 10,
                    c.kernelSize.width <= 1 << 10
                else { throw CheckpointError.inconsistentArchitecture("layer \(index) (convolution) is too large") }
                count = c.parameterCount
                (walk.width, walk.channels) = (nil, c.outChannels)
            case .batchNorm(let c, let momentum, let epsilon):
                guard c > 0, c <= 1 << 20, momentum >= 0, momentum <= 1, epsilon >= 0 else {
                    throw CheckpointError.inconsistentArchitecture(
                        "layer \(index) is batch norm of \(c) channels, momentum \(momentum), epsilon \(epsilon)")
                }
                count = 2 * c
            case .maxPool2d(let k, let stride, let p), .avgPool2d(let k, let stride, let p):
                let sizes = [k.height, k.width, stride?.height ?? 1, stride?.width ?? 1]
                if sizes.contains(where: { $0 <= 0 }) {
                    throw CheckpointError.inconsistentArchitecture("layer \(index) (pooling): sizes must be positive")
                }
                if case .explicit(let t, let b, let l, let r) = p, Swift.min(t, b, l, r) < 0 {
                    throw CheckpointError.inconsistentArchitecture("layer \(index) (pooling): negative padding")
                }
                walk.width = nil
            case .flatten, .globalAveragePool:
                (walk.width, walk.channels) = (nil, nil)
            case .reshape(let shape):
                guard shape.allSatisfy({ $0 > 0 && $0 <= 1 << 20 }), shape.count <= 6 else {
                    throw CheckpointError.inconsistentArchitecture(
                        "layer \(index) reshapes to \(Shapes.format(shape)); sizes must be positive")
                }
                if let width = walk.width, width != Shapes.count(shape) {
                    throw CheckpointError.inconsistentArchitecture(
                        "layer \(index) reshapes \(width) values per sample to \(Shapes.format(shape))")
                }
                (walk.width, walk.channels) = (nil, shape.count >= 2 ? shape[0] : nil)
            case .activation, .dropout:
                break
            case .sequential(let inner):
                try validate(inner, prefix: index + ".", &walk)
            case .custom:
                (count, walk.width, walk.channels) = (nil, nil, nil)
            }
            guard let soFar = walk.expected, let count else {
                walk.expected = nil
                continue
            }
            let (total, overflow) = soFar.addingReportingOverflow(count)
            guard !overflow else {
                throw CheckpointError.inconsistentArchitecture("layer \(index) is too large")
            }
            walk.expected = total
        }
    }

    /// The parameters of a dense layer `inputs → outputs` at `index`, checked against the
    /// width the layer before gives (or the feature names, for the first).
    private func denseParameterCount(index: String, inputs i: Int, outputs o: Int, width: Int?, first: Bool) throws -> Int {
        guard i > 0, o > 0 else {
            throw CheckpointError.inconsistentArchitecture("layer \(index) is dense \(i) → \(o); sizes must be positive")
        }
        if let width, width != i {
            throw CheckpointError.inconsistentArchitecture(
                "layer \(index) (dense \(i) → \(o)) takes \(i) inputs, but "
                    + (index == "0" || first ? "there are \(width) feature names" : "the layer before gives \(width)"))
        }
        let (weights, overflow1) = i.multipliedReportingOverflow(by: o)
        let (total, overflow2) = weights.addingReportingOverflow(o)
        guard !overflow1, !overflow2 else {
            throw CheckpointError.inconsistentArchitecture("layer \(index) (dense \(i) → \(o)) is too large")
        }
        return total
    }

}
