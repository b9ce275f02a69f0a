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
    /// The saved layers do not fit together or do not match the saved parameters.
    case inconsistentArchitecture(String)
    /// A saved value does not fit the model's scalar type (beyond `Float`'s range).
    case valueOutOfRange(name: String, index: Int, value: Double, scalarType: String)
    /// A parameter to be written is infinite or NaN (the model diverged in training).
    case nonFiniteParameter(name: String, index: Int, value: Double)
    /// The normaliser to be written has coefficients that ``Normalizer/problem()`` rejects.
    case unusableNormalizer(column: Int?, reason: String)
    /// The description of the data to be written does not fit together (feature columns,
    /// missing-value fills, targets).
    case inconsistentDataDescription(String)

    public var description: String {
        switch self {
        case .unsupportedVersion(let file, let found, let supported):
            return "\(file): checkpoint format version \(found) is not supported (this build reads version \(supported))"
        case .unreadable(let file, let reason):
            return "\(file): not a Backprop checkpoint: \(reason)"
        case .missingParameter(let name):
            return "checkpoint: the model's parameter '\(name)' is not in the checkpoint"
        case .unexpectedParameter(let name):
            return "checkpoint: parameter \(DataError.quoted(name)) does not exist in the model"
        case .shapeMismatch(let name, let model, let checkpoint):
            return "checkpoint: parameter '\(name)' has shape \(Shapes.format(checkpoint)) in the checkpoint but \(Shapes.format(model)) in the model"
        case .corruptParameter(let name):
            return "checkpoint: the values of parameter '\(name)' do not fill its shape"
        case .notDescribable(let index, let type):
            return "checkpoint: layer \(index) (\(type)) cannot be saved as architecture; save its parameters only"
        case .noArchitecture:
            return "checkpoint: it holds parameters only, no architecture to build a model from"
        case .inconsistentArchitecture(let reason):
            return "checkpoint: inconsistent architecture: \(reason)"
        case .valueOutOfRange(let name, let index, let value, let scalarType):
            return "checkpoint: value \(value) at index \(index) of parameter \(DataError.quoted(name)) is out of range for \(scalarType)"
        case .nonFiniteParameter(let name, let index, let value):
            return "checkpoint: parameter \(DataError.quoted(name)) is \(value) at index \(index); "
                + "a model with infinite or NaN parameters (diverged training) is not saved"
        case .unusableNormalizer(let column, let reason):
            return "checkpoint: the normalizer is not saved: " + (column.map { "column \($0 + 1): " } ?? "") + reason
        case .inconsistentDataDescription(let reason):
            return "checkpoint: not saved: \(reason)"
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
    /// The buffers (``Layer/namedBuffers``: running statistics) in model order, or `nil`
    /// when the model has none.
    public var buffers: [Parameter]?
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
    /// The target columns of a regression model, in output order; `nil` for a classifier.
    public var targetNames: [String]?
    /// The standardisation of the targets a regression model was trained on: its outputs
    /// are in these units, and ``Normalizer/original(_:column:)`` maps them back.
    public var targetNormalizer: Normalizer?
    /// The columns the features are read from, with the categories of categorical ones;
    /// `nil` when every feature is a numeric column of its own name.
    public var featureColumns: [FeatureColumn]?
    /// The value that fills a missing feature (the training rows' means), or `nil` when
    /// the model was trained without filling missing values.
    public var missingValueFills: [Double]?

    /// A checkpoint of a model's parameters, with the architecture if every layer is a
    /// built-in one (a ``Sequential`` of ``DescribableLayer``s, or one such layer).
    public init<Model: Layer>(
        model: Model, classNames: [String] = [], featureNames: [String] = [],
        labelColumn: String? = nil, normalizer: Normalizer? = nil, loss: String? = nil
    ) {
        formatVersion = Self.currentFormatVersion
        scalarType = "\(Model.Scalar.self)"
        layers = try? Self.architecture(of: model)
        func saved(_ list: [NamedParameter<Model.Scalar>]) -> [Parameter] {
            list.map { Parameter(name: $0.name, shape: $0.variable.shape.dimensions, values: $0.variable.value.scalars.map(Double.init)) }
        }
        parameters = saved(model.namedParameters)
        let buffers = model.namedBuffers
        self.buffers = buffers.isEmpty ? nil : saved(buffers)
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
        try validateArchitecture(layers)
        var rng = SeededGenerator(seed: 0)
        let model = Sequential<Scalar>(layers.map { spec -> any Layer<Scalar> in
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
            }
        })
        try load(into: model)
        return model
    }

    /// Checks, before anything is allocated, that the layers chain (each dense layer takes
    /// the width the one before gives, the first takes one input per feature name) and
    /// that they describe exactly the saved parameters.
    private func validateArchitecture(_ layers: [LayerSpec]) throws {
        var width: Int? = featureNames.isEmpty ? nil : featureNames.count
        var channels: Int?
        var expected = 0
        for (index, spec) in layers.enumerated() {
            let count: Int
            switch spec {
            case .dense(let i, let o, _):
                count = try denseParameterCount(index: index, inputs: i, outputs: o, width: width, first: expected == 0)
                (width, channels) = (o, nil)
            case .conv1d(let c), .conv2d(let c), .convTranspose2d(let c):
                if let problem = c.problem {
                    throw CheckpointError.inconsistentArchitecture("layer \(index) (convolution): \(problem)")
                }
                if let channels, channels != c.inChannels {
                    throw CheckpointError.inconsistentArchitecture(
                        "layer \(index) (convolution) takes \(c.inChannels) channels, the layer before gives \(channels)")
                }
                guard c.outChannels <= 1 << 20, c.inChannels <= 1 << 20, c.kernelSize.height <= 1 << 10,
                    c.kernelSize.width <= 1 << 10
                else { throw CheckpointError.inconsistentArchitecture("layer \(index) (convolution) is too large") }
                count = c.parameterCount
                (width, channels) = (nil, c.outChannels)
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
                (count, width) = (0, nil)
            case .flatten, .globalAveragePool:
                (count, width, channels) = (0, nil, nil)
            case .reshape(let shape):
                guard shape.allSatisfy({ $0 > 0 && $0 <= 1 << 20 }), shape.count <= 6 else {
                    throw CheckpointError.inconsistentArchitecture(
                        "layer \(index) reshapes to \(Shapes.format(shape)); sizes must be positive")
                }
                if let width, width != Shapes.count(shape) {
                    throw CheckpointError.inconsistentArchitecture(
                        "layer \(index) reshapes \(width) values per sample to \(Shapes.format(shape))")
                }
                (count, width, channels) = (0, nil, shape.count >= 2 ? shape[0] : nil)
            case .activation, .dropout:
                count = 0
            }
            let (total, overflow) = expected.addingReportingOverflow(count)
            guard !overflow else {
                throw CheckpointError.inconsistentArchitecture("layer \(index) is too large")
            }
            expected = total
        }
        let saved = parameters.reduce(0) { $0 + $1.values.count }
        guard expected == saved else {
            throw CheckpointError.inconsistentArchitecture(
                "the layers have \(expected) parameters, the checkpoint holds \(saved) values")
        }
    }

    /// The parameters of a dense layer `inputs → outputs` at `index`, checked against the
    /// width the layer before gives (or the feature names, for the first).
    private func denseParameterCount(index: Int, inputs i: Int, outputs o: Int, width: Int?, first: Bool) throws -> Int {
        guard i > 0, o > 0 else {
            throw CheckpointError.inconsistentArchitecture("layer \(index) is dense \(i) → \(o); sizes must be positive")
        }
        if let width, width != i {
            throw CheckpointError.inconsistentArchitecture(
                "layer \(index) (dense \(i) → \(o)) takes \(i) inputs, but "
                    + (index == 0 || first ? "there are \(width) feature names" : "the layer before gives \(width)"))
        }
        let (weights, overflow1) = i.multipliedReportingOverflow(by: o)
        let (total, overflow2) = weights.addingReportingOverflow(o)
        guard !overflow1, !overflow2 else {
            throw CheckpointError.inconsistentArchitecture("layer \(index) (dense \(i) → \(o)) is too large")
        }
        return total
    }

    /// Copies the saved parameters into a model with the same parameter names and shapes.
    ///
    /// - Throws: ``CheckpointError`` naming the first missing, extra or mis-shaped parameter;
    ///   the model is unchanged then.
    public func load<Model: Layer>(into model: Model) throws {
        let named = model.namedParameters + model.namedBuffers
        var saved: [String: Parameter] = [:]
        let stored = parameters + (buffers ?? [])
        for p in stored { saved[p.name] = p }
        var values: [Tensor<Model.Scalar>] = []
        for p in named {
            guard let s = saved.removeValue(forKey: p.name) else {
                throw CheckpointError.missingParameter(p.name)
            }
            guard s.shape == p.variable.shape.dimensions else {
                throw CheckpointError.shapeMismatch(name: p.name, model: p.variable.shape.dimensions, checkpoint: s.shape)
            }
            guard elementCount(s.shape) == s.values.count else {
                throw CheckpointError.corruptParameter(p.name)
            }
            let converted = s.values.map { Model.Scalar($0) }
            if let bad = converted.firstIndex(where: { !$0.isFinite }) {
                throw CheckpointError.valueOutOfRange(
                    name: p.name, index: bad, value: s.values[bad], scalarType: "\(Model.Scalar.self)")
            }
            values.append(Tensor(shape: p.variable.shape, scalars: converted))
        }
        if let extra = stored.first(where: { saved[$0.name] != nil }) {
            throw CheckpointError.unexpectedParameter(extra.name)
        }
        for (p, v) in zip(named, values) { p.variable.value = v }
    }

    /// Writes the checkpoint as JSON: to a temporary file in the destination's directory,
    /// then renamed over the destination, so a failed write leaves an existing file as it
    /// was.
    ///
    /// - Throws: ``CheckpointError/nonFiniteParameter(name:index:value:)`` or
    ///   ``CheckpointError/unusableNormalizer(column:reason:)`` before any file is touched if
    ///   a value cannot be read back (a diverged model); ``DataError`` naming the file and
    ///   the system's reason ("No such file or directory", "Is a directory", …), with
    ///   nothing left behind.
    public func write(to url: URL) throws {
        for p in parameters + (buffers ?? []) {
            if let bad = p.values.firstIndex(where: { !$0.isFinite }) {
                throw CheckpointError.nonFiniteParameter(name: p.name, index: bad, value: p.values[bad])
            }
        }
        if let (column, reason) = normalizer?.problem() {
            throw CheckpointError.unusableNormalizer(column: column, reason: reason)
        }
        if let problem = dataDescriptionProblem() { throw CheckpointError.inconsistentDataDescription(problem) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw DataError(file: url.path, reason: "cannot write the checkpoint (Is a directory)")
        }
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        /// Removes a partly written temporary file (only a regular file: never what
        /// something else put under that name).
        func removeTemporary() {
            let type = try? FileManager.default.attributesOfItem(atPath: temporary.path)[.type] as? FileAttributeType
            if type == .typeRegular { try? FileManager.default.removeItem(at: temporary) }
        }
        do {
            try data.write(to: temporary)
        } catch {
            removeTemporary()
            throw DataError(file: url.path, reason: "cannot write the checkpoint (\(fileErrorReason(error)))")
        }
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            removeTemporary()
            throw DataError(file: url.path, reason: "cannot write the checkpoint (\(reason))")
        }
    }

    /// Reads a checkpoint file, as ``InputFile`` reads it (a regular file, or a pipe, FIFO
    /// or character device read to its end, at most ``InputFile/defaultByteLimit`` bytes).
    ///
    /// - Throws: ``DataError`` if the file cannot be read (naming a directory, a symlink
    ///   loop or an input over the size limit as such), ``CheckpointError`` if it is not a
    ///   checkpoint or has another format version.
    public static func read(from url: URL) throws -> Checkpoint {
        try decode(InputFile.read(fileAtPath: url.path, name: url.path), file: url.path)
    }

    /// The scalar types a checkpoint may name.
    public static let scalarTypes = ["Float", "Double"]

    /// Decodes a checkpoint from the bytes of a file and checks that the scalar type is one
    /// of ``scalarTypes``, that the layer list (if present) is not empty, that every
    /// parameter's values fill its shape and no name repeats, and that the normaliser's
    /// coefficients are sound (``Normalizer/problem()``).
    ///
    /// - Parameters:
    ///   - data: The file's bytes (UTF-8 JSON).
    ///   - file: The file's name, for error messages.
    /// - Throws: ``CheckpointError/unreadable(file:reason:)`` naming what is wrong and where
    ///   (the JSON position or the key path), or
    ///   ``CheckpointError/unsupportedVersion(file:found:supported:)``.
    public static func decode(_ data: Data, file: String) throws -> Checkpoint {
        if (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) == nil {
            throw CheckpointError.unreadable(file: file, reason: invalidJSONReason(data))
        }
        struct Version: Decodable { var formatVersion: Int }
        let version: Int
        do { version = try JSONDecoder().decode(Version.self, from: data).formatVersion } catch {
            throw CheckpointError.unreadable(file: file, reason: "no format version (\(describe(error)))")
        }
        guard version == currentFormatVersion else {
            throw CheckpointError.unsupportedVersion(file: file, found: version, supported: currentFormatVersion)
        }
        let checkpoint: Checkpoint
        do { checkpoint = try JSONDecoder().decode(Checkpoint.self, from: data) } catch {
            throw CheckpointError.unreadable(file: file, reason: describe(error))
        }
        guard scalarTypes.contains(checkpoint.scalarType) else {
            throw CheckpointError.unreadable(
                file: file,
                reason: "scalar type \(DataError.quoted(checkpoint.scalarType)) is not supported "
                    + "(\(scalarTypes.joined(separator: " or "))) at .scalarType")
        }
        if let layers = checkpoint.layers, layers.isEmpty {
            throw CheckpointError.unreadable(
                file: file,
                reason: "the layer list is empty (a model needs at least one layer; "
                    + "a checkpoint of parameters only has no 'layers' key) at .layers")
        }
        var names: Set<String> = []
        let stored = checkpoint.parameters + (checkpoint.buffers ?? [])
        for (k, p) in stored.enumerated() {
            let count = checkpoint.parameters.count
            let place = k < count ? ".parameters[\(k)]" : ".buffers[\(k - count)]"
            guard names.insert(p.name).inserted else {
                throw CheckpointError.unreadable(
                    file: file, reason: "parameter \(DataError.quoted(p.name)) appears twice (at \(place))")
            }
            guard let count = elementCount(p.shape), count == p.values.count else {
                throw CheckpointError.unreadable(
                    file: file,
                    reason: "parameter \(DataError.quoted(p.name)) has \(p.values.count) values for shape \(Shapes.format(p.shape)) (at \(place))")
            }
        }
        if let n = checkpoint.normalizer, !checkpoint.featureNames.isEmpty, n.offsets.count != checkpoint.featureNames.count {
            throw CheckpointError.unreadable(
                file: file,
                reason: "the normalizer has \(n.offsets.count) columns, the checkpoint \(checkpoint.featureNames.count) feature names")
        }
        if let problem = checkpoint.dataDescriptionProblem() {
            throw CheckpointError.unreadable(file: file, reason: problem)
        }
        return checkpoint
    }
}

/// The number of elements of a shape, or nil for a negative size or an overflow.
private func elementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for size in shape {
        guard size >= 0 else { return nil }
        let (product, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow else { return nil }
        count = product
    }
    return count
}

/// Why bytes are not JSON, with the line and column where the parser stopped when it says
/// ("invalid JSON at line 3, column 7: Invalid value").
private func invalidJSONReason(_ data: Data) -> String {
    guard !data.isEmpty else { return "the file is empty" }
    var message = "invalid JSON"
    do { _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
        var detail = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? ""
        if let range = detail.range(of: #"around (line \d+, column \d+|character \d+)"#, options: .regularExpression) {
            let phrase = detail[range]
            if let offset = Int(phrase.split(separator: " ").last ?? ""), phrase.contains("character") {
                // A character offset: turn it into a line and column.
                let prefix = [UInt8](data.prefix(offset))
                let line = prefix.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
                let column = prefix.count - (prefix.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
                message += " at line \(line), column \(column)"
            } else {
                message += " at " + phrase.dropFirst("around ".count)
            }
            detail.removeSubrange(range)
        }
        detail = detail.trimmingCharacters(in: CharacterSet(charactersIn: " ."))
        if !detail.isEmpty { message += ": " + detail }
    }
    return message
}

/// A short description of a decoding error: what is wrong and where. The decoder's own
/// text may quote a value from the file, so it is cut at 200 characters.
private func describe(_ error: Error) -> String {
    func path(_ keys: [CodingKey]) -> String {
        DataError.excerpt(keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined(), limit: 200)
    }
    return DataError.excerpt(describeUncut(error, path: path), limit: 400)
}

/// ``describe(_:)`` before it is cut.
private func describeUncut(_ error: Error, path: ([CodingKey]) -> String) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, let c): return "missing key '\(key.stringValue)' at \(path(c.codingPath))"
    case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
        return "\(c.debugDescription) at \(path(c.codingPath))"
    case DecodingError.dataCorrupted(let c):
        // The bytes parse as JSON (checked first), so an error without a path is a value the
        // decoder cannot take, such as a size beyond Int's range.
        return c.codingPath.isEmpty
            ? "a value has the wrong type or is out of range (decoder: \(c.debugDescription))"
            : "\(c.debugDescription) at \(path(c.codingPath))"
    default: return "\(error)"
    }
}
