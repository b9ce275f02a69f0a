import Backprop
import Foundation

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
    /// A layer of the model (at a position such as `"2"`, or `"1.0"` inside a nested
    /// ``Sequential``) is neither built in nor a ``CodableLayer``, so the architecture
    /// cannot be saved.
    case notDescribable(layer: String, type: String)
    /// A saved layer of your own whose type was not passed to
    /// ``Checkpoint/makeModel(as:layerTypes:)``.
    case unknownLayerType(layer: String, name: String)
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
        case .notDescribable(let layer, let type):
            return "checkpoint: layer \(layer) (\(type)) is not a built-in layer, so the architecture cannot be "
                + "saved; conform \(type) to CodableLayer (a Codable configuration and init(configuration:)), "
                + "or save the parameters only with Checkpoint(model:parametersOnly: true) and load them "
                + "into a model you build (load(into:))"
        case .unknownLayerType(let layer, let name):
            return "checkpoint: layer \(layer) is \(DataError.quoted(name)), a layer type of your own; pass its "
                + "type in makeModel(as:layerTypes:) (a CodableLayer whose layerName is \(DataError.quoted(name)))"
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
/// A model whose layers are all built in (nested ``Sequential``s included) is saved whole.
/// A layer of your own is saved whole when it conforms to ``CodableLayer``; pass its type
/// to ``makeModel(as:layerTypes:)`` to build the model again. Any other layer makes
/// ``init(model:parametersOnly:classNames:featureNames:labelColumn:normalizer:loss:)``
/// throw, naming the layer, unless you save the parameters only (`parametersOnly: true`)
/// and load them into a model you build (``load(into:)``).
///
/// Writing goes to a temporary file in the same directory that is then renamed over the
/// destination, so a crash never leaves a half-written checkpoint. Values are stored as
/// JSON numbers that read back to the same `Float` or `Double`.
///
/// The format version changes only when a reader of the previous version would misread a
/// file. Optional fields added since (``buffers``, ``optimizerState``) keep version 1: a
/// file without them reads as before, and a reader that does not know them reads the
/// model and ignores them.
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
    /// The layers of the model (of a ``Sequential``, or the model itself as one layer), or
    /// `nil` for a checkpoint of parameters only.
    public var layers: [LayerSpec]?
    /// The parameters in model order.
    public var parameters: [Parameter]
    /// The buffers (``Layer/namedBuffers``: running statistics) in model order, or `nil`
    /// when the model has none.
    public var buffers: [Parameter]?
    /// The optimizer's state, for resuming training exactly
    /// (``init(model:optimizer:classNames:featureNames:labelColumn:normalizer:loss:)``), or
    /// `nil` (a checkpoint of the model alone).
    public var optimizerState: OptimizerState?
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

    /// A checkpoint of a whole model (its architecture and parameters) or of its parameters
    /// only.
    ///
    /// The architecture is saved when every layer is built in or a ``CodableLayer``
    /// (through nested ``Sequential``s); ``makeModel(as:layerTypes:)`` builds the model
    /// from it. With `parametersOnly`, only the parameters and buffers are saved, by name:
    /// build the model in code and ``load(into:)`` them.
    ///
    /// - Parameters:
    ///   - model: The model to save.
    ///   - parametersOnly: Whether to leave the architecture out (``layers`` is `nil`).
    ///   - classNames: The class names, in output order.
    ///   - featureNames: The feature columns the model reads, in order.
    ///   - labelColumn: The label column's name, if known.
    ///   - normalizer: The normaliser fitted on the training data, if any.
    ///   - loss: The name of the loss trained with.
    /// - Throws: ``CheckpointError/notDescribable(layer:type:)`` when the architecture is
    ///   to be saved and a layer is neither built in nor a ``CodableLayer``.
    public init<Model: Layer>(
        model: Model, parametersOnly: Bool = false, classNames: [String] = [], featureNames: [String] = [],
        labelColumn: String? = nil, normalizer: Normalizer? = nil, loss: String? = nil
    ) throws {
        formatVersion = Self.currentFormatVersion
        scalarType = "\(Model.Scalar.self)"
        layers = parametersOnly ? nil : try Self.architecture(of: model)
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

    /// Copies the saved parameters into a model with the same parameter names and shapes.
    ///
    /// - Throws: ``CheckpointError`` naming the first missing, extra or mis-shaped parameter;
    ///   the model is unchanged then.
    public func load<Model: Layer>(into model: Model) throws {
        let (named, values) = try savedValues(for: model)
        for (p, v) in zip(named, values) { p.variable.value = v }
    }

    /// The saved values of the model's parameters and buffers, checked against the model.
    func savedValues<Model: Layer>(for model: Model) throws
        -> (named: [NamedParameter<Model.Scalar>], values: [Tensor<Model.Scalar>])
    {
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
        return (named, values)
    }

    /// Writes the checkpoint as JSON: to a temporary file in the destination's directory,
    /// then renamed over the destination, so a failed write leaves an existing file as it
    /// was.
    ///
    /// - Throws: ``CheckpointError/nonFiniteParameter(name:index:value:)``,
    ///   ``OptimizerStateError/unusableValue(parameter:buffer:index:value:)`` or
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
        try checkOptimizerStateIsFinite()
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
func describe(_ error: Error) -> String {
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
