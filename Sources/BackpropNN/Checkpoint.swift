import Backprop
import Foundation

/// The architecture of one built-in layer, as saved in a ``Checkpoint``.
public enum LayerSpec: Codable, Sendable, Equatable {
    /// ``Dense``.
    case dense(inputSize: Int, outputSize: Int, activation: Activation)
    /// ``ActivationLayer``.
    case activation(Activation)
    /// ``Dropout``.
    case dropout(rate: Double)
}

/// A layer whose architecture can be written to a checkpoint.
public protocol DescribableLayer: Layer {
    /// The layer's architecture.
    var spec: LayerSpec { get }
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

/// Why a checkpoint could not be written, read or applied.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The file's format version is not the one this library reads.
    case unsupportedVersion(file: String, found: Int, supported: Int)
    /// The file is not a checkpoint (bad JSON or missing fields).
    case unreadable(file: String, reason: String)
    /// The model has a parameter the checkpoint lacks.
    case missingParameter(String)
    /// The checkpoint has a parameter the model lacks.
    case unexpectedParameter(String)
    /// A parameter's shape differs between the model and the checkpoint.
    case shapeMismatch(name: String, model: [Int], checkpoint: [Int])
    /// A parameter's values do not fill its shape.
    case corruptParameter(String)
    /// A layer of the model has no saved form (a user-defined layer).
    case notDescribable(index: Int, type: String)
    /// The checkpoint holds parameters only, no architecture.
    case noArchitecture

    public var description: String {
        switch self {
        case .unsupportedVersion(let file, let found, let supported):
            return "\(file): checkpoint format version \(found) is not supported (this build reads version \(supported))"
        case .unreadable(let file, let reason):
            return "\(file): not a Backprop checkpoint: \(reason)"
        case .missingParameter(let name):
            return "checkpoint: the model's parameter '\(name)' is not in the checkpoint"
        case .unexpectedParameter(let name):
            return "checkpoint: parameter '\(name)' does not exist in the model"
        case .shapeMismatch(let name, let model, let checkpoint):
            return "checkpoint: parameter '\(name)' has shape \(Shapes.format(checkpoint)) in the checkpoint but \(Shapes.format(model)) in the model"
        case .corruptParameter(let name):
            return "checkpoint: the values of parameter '\(name)' do not fill its shape"
        case .notDescribable(let index, let type):
            return "checkpoint: layer \(index) (\(type)) cannot be saved as architecture; save its parameters only"
        case .noArchitecture:
            return "checkpoint: it holds parameters only, no architecture to build a model from"
        }
    }
}

/// A saved model: architecture, parameters and what is needed to use it on new data
/// (class names, feature names, the fitted normaliser), as versioned JSON.
///
/// ```swift
/// try Checkpoint(model: model, classNames: data.classNames, normalizer: normalizer)
///     .write(to: URL(fileURLWithPath: "model.json"))
/// let restored: Sequential<Float> = try Checkpoint.read(from: url).makeModel()
/// ```
///
/// Writing goes to a temporary file in the same directory that is then renamed over the
/// destination, so a crash never leaves a half-written checkpoint. Values are stored as
/// JSON numbers that read back to the same `Float` or `Double`.
public struct Checkpoint: Codable, Sendable, Equatable {
    /// The format version this library writes and reads.
    public static let currentFormatVersion = 1

    /// One saved parameter.
    public struct Parameter: Codable, Sendable, Equatable {
        /// The name in the model (`"0.weight"`).
        public var name: String
        /// The shape.
        public var shape: [Int]
        /// The values, row-major.
        public var values: [Double]
    }

    /// The file's format version.
    public var formatVersion: Int
    /// `"Float"` or `"Double"`.
    public var scalarType: String
    /// The layers of a ``Sequential`` of built-in layers, or `nil` (parameters only).
    public var layers: [LayerSpec]?
    /// The parameters in model order.
    public var parameters: [Parameter]
    /// The class names, in output order.
    public var classNames: [String]
    /// The feature columns the model reads, in order.
    public var featureNames: [String]
    /// The label column's name, if known.
    public var labelColumn: String?
    /// The normaliser fitted on the training data, if any.
    public var normalizer: Normalizer?
    /// The name of the loss trained with.
    public var loss: String?

    /// A checkpoint of a model's parameters, with the architecture if every layer is a
    /// built-in one (a ``Sequential`` of ``DescribableLayer``s, or one such layer).
    public init<Model: Layer>(
        model: Model, classNames: [String] = [], featureNames: [String] = [],
        labelColumn: String? = nil, normalizer: Normalizer? = nil, loss: String? = nil
    ) {
        formatVersion = Self.currentFormatVersion
        scalarType = "\(Model.Scalar.self)"
        layers = try? Self.architecture(of: model)
        parameters = model.namedParameters.map {
            Parameter(name: $0.name, shape: $0.variable.shape, values: $0.variable.value.scalars.map(Double.init))
        }
        self.classNames = classNames
        self.featureNames = featureNames
        self.labelColumn = labelColumn
        self.normalizer = normalizer
        self.loss = loss
    }

    /// The architecture of a model built from built-in layers.
    ///
    /// - Throws: ``CheckpointError/notDescribable(index:type:)`` for any other layer.
    public static func architecture<Model: Layer>(of model: Model) throws -> [LayerSpec] {
        if let sequential = model as? Sequential<Model.Scalar> {
            return try sequential.layers.enumerated().map { i, layer in
                guard let d = layer as? any DescribableLayer else {
                    throw CheckpointError.notDescribable(index: i, type: "\(type(of: layer))")
                }
                return d.spec
            }
        }
        guard let d = model as? any DescribableLayer else {
            throw CheckpointError.notDescribable(index: 0, type: "\(Model.self)")
        }
        return [d.spec]
    }

    /// Builds the model the checkpoint describes, with its parameters.
    ///
    /// - Throws: ``CheckpointError`` if there is no architecture or the parameters do not
    ///   match it.
    public func makeModel<Scalar: TensorScalar>(as type: Scalar.Type = Scalar.self) throws -> Sequential<Scalar> {
        guard let layers else { throw CheckpointError.noArchitecture }
        var rng = SeededGenerator(seed: 0)
        let model = Sequential<Scalar>(layers.map { spec -> any Layer<Scalar> in
            switch spec {
            case .dense(let i, let o, let a):
                return Dense<Scalar>(inputSize: Swift.max(i, 1), outputSize: Swift.max(o, 1), activation: a,
                                     initializer: .zeros, using: &rng)
            case .activation(let a): return ActivationLayer<Scalar>(a)
            case .dropout(let rate): return Dropout<Scalar>(rate: Swift.min(Swift.max(rate, 0), 0.99))
            }
        })
        try load(into: model)
        return model
    }

    /// Copies the saved parameters into a model with the same parameter names and shapes.
    ///
    /// - Throws: ``CheckpointError`` naming the first missing, extra or mis-shaped parameter;
    ///   the model is unchanged then.
    public func load<Model: Layer>(into model: Model) throws {
        let named = model.namedParameters
        var saved: [String: Parameter] = [:]
        for p in parameters { saved[p.name] = p }
        var values: [Tensor<Model.Scalar>] = []
        for p in named {
            guard let s = saved.removeValue(forKey: p.name) else {
                throw CheckpointError.missingParameter(p.name)
            }
            guard s.shape == p.variable.shape else {
                throw CheckpointError.shapeMismatch(name: p.name, model: p.variable.shape, checkpoint: s.shape)
            }
            guard s.shape.allSatisfy({ $0 >= 0 }), s.values.count == s.shape.reduce(1, *) else {
                throw CheckpointError.corruptParameter(p.name)
            }
            values.append(Tensor(shape: s.shape, scalars: s.values.map { Model.Scalar($0) }))
        }
        if let extra = parameters.first(where: { saved[$0.name] != nil }) {
            throw CheckpointError.unexpectedParameter(extra.name)
        }
        for (p, v) in zip(named, values) { p.variable.value = v }
    }

    /// Writes the checkpoint as JSON: to a temporary file in the destination's directory,
    /// then renamed over the destination.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw CheckpointError.unreadable(file: url.path, reason: "cannot rename into place: \(reason)")
            }
        } catch let error as CheckpointError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw DataError(file: url.path, reason: "cannot write the checkpoint (\(error.localizedDescription))")
        }
    }

    /// Reads a checkpoint file.
    ///
    /// - Throws: ``DataError`` if the file cannot be read, ``CheckpointError`` if it is not
    ///   a checkpoint or has another format version.
    public static func read(from url: URL) throws -> Checkpoint {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError(file: url.path, reason: "cannot read the file")
        }
        struct Version: Decodable { var formatVersion: Int }
        let version: Int
        do { version = try JSONDecoder().decode(Version.self, from: data).formatVersion } catch {
            throw CheckpointError.unreadable(file: url.path, reason: "no format version (\(describe(error)))")
        }
        guard version == currentFormatVersion else {
            throw CheckpointError.unsupportedVersion(file: url.path, found: version, supported: currentFormatVersion)
        }
        do { return try JSONDecoder().decode(Checkpoint.self, from: data) } catch {
            throw CheckpointError.unreadable(file: url.path, reason: describe(error))
        }
    }
}

/// A short description of a decoding error: what is wrong and where.
private func describe(_ error: Error) -> String {
    func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
    switch error {
    case DecodingError.keyNotFound(let key, let c): return "missing key '\(key.stringValue)' at \(path(c.codingPath))"
    case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
        return "\(c.debugDescription) at \(path(c.codingPath))"
    case DecodingError.dataCorrupted(let c):
        return c.codingPath.isEmpty ? "invalid JSON" : "\(c.debugDescription) at \(path(c.codingPath))"
    default: return "\(error)"
    }
}
