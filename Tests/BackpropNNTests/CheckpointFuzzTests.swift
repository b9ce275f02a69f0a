import Backprop
import BackpropNN
import Foundation
import XCTest

/// The checkpoint loader on 10,000+ generated files (fixed seed). Valid checkpoints
/// of random models must read back equal and rebuild a model that predicts exactly as the
/// original; structured mutations of the JSON (another format version, wrong JSON types,
/// deleted keys, shape and size mismatches, values that do not fill their shape, huge
/// numbers, a mismatched normaliser, truncation) must fail with the expected error, and
/// byte-level mutations must end in a thrown error or a model that can run: a checkpoint
/// that loads never crashes `predict`.
final class CheckpointFuzzTests: XCTestCase {
    static let file = "fuzz.json"

    func testTenThousandGeneratedCheckpoints() throws {
        var rng = SeededGenerator(seed: 6)
        var tally: [String: Int] = [:]
        let cases = 10_000
        for index in 0..<cases {
            let original = try GeneratedModel(using: &rng)
            let bytes = try original.encoded()
            let kind: String
            switch index % 10 {
            case 0, 1:
                kind = "valid"
                try checkValid(original, bytes, index: index)
            case 2, 3, 4, 5:
                kind = "structured"
                checkStructured(original, bytes, using: &rng, index: index)
            case 6, 7, 8:
                kind = "mutated bytes"
                var mutated = [UInt8](bytes)
                for _ in 0...Int.random(in: 0...3, using: &rng) {
                    let position = Int.random(in: 0..<mutated.count, using: &rng)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: mutated[position] = Array("{}[],:\"0123456789-e. ntf".utf8).randomElement(using: &rng)!
                    case 1: mutated.remove(at: position)
                    case 2: mutated.insert(UInt8.random(in: 0...255, using: &rng), at: position)
                    default: mutated[position] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                    }
                }
                checkSurvives(Data(mutated), index: index)
            default:
                kind = "truncated"
                let end = Int.random(in: 0..<bytes.count, using: &rng)
                let cut = Data(bytes.prefix(end))
                XCTAssertThrowsError(try Checkpoint.decode(cut, file: Self.file), "case \(index)") { error in
                    XCTAssertTrue(
                        "\(error)".hasPrefix("\(Self.file): not a Backprop checkpoint: ")
                            && ("\(error)".contains("invalid JSON") || "\(error)".contains("the file is empty")),
                        "case \(index): \(error)")
                }
            }
            tally[kind, default: 0] += 1
        }
        XCTAssertEqual(tally.values.reduce(0, +), cases)
    }

    // MARK: Oracles

    private func checkValid(_ original: GeneratedModel, _ bytes: Data, index: Int) throws {
        let checkpoint = try Checkpoint.decode(bytes, file: Self.file)
        XCTAssertEqual(checkpoint, original.checkpoint, "case \(index)")
        let input = original.input
        if original.isDouble {
            let model: Sequential<Double> = try checkpoint.makeModel()
            XCTAssertEqual(model.predict(input), original.doubleModel!.predict(input), "case \(index)")
        } else {
            let model: Sequential<Float> = try checkpoint.makeModel()
            let x = Tensor<Float>(shape: input.shape, scalars: input.scalars.map(Float.init))
            XCTAssertEqual(model.predict(x), original.floatModel!.predict(x), "case \(index)")
        }
    }

    /// One mutation of the JSON tree with a known consequence.
    private func checkStructured(
        _ original: GeneratedModel, _ bytes: Data, using rng: inout SeededGenerator, index: Int
    ) {
        guard var json = try? JSONDecoder().decode(JSON.self, from: bytes) else {
            return XCTFail("case \(index): the generated checkpoint is not JSON")
        }
        let parameterCount = original.checkpoint.parameters.count
        let denseLayers = original.checkpoint.layers!.enumerated().compactMap { i, spec -> Int? in
            if case .dense = spec { return i }
            return nil
        }
        let mutation = Int.random(in: 0..<9, using: &rng)
        var expected: String? = nil  // a part of the message, when the mutation decides it
        var text: String? = nil
        switch mutation {
        case 0:  // another format version, or not a number
            let version = [0, 2, 99, -1, Int.max].randomElement(using: &rng)!
            if Bool.random(using: &rng) {
                json[["formatVersion"]] = .number(Double(version))
                expected = "checkpoint format version \(version) is not supported (this build reads version 1)"
                if version == Int.max { expected = "not a Backprop checkpoint: no format version" }
            } else {
                json[["formatVersion"]] = [.string("1"), .bool(true), .null, .number(1.5), .array([])].randomElement(using: &rng)!
                expected = "not a Backprop checkpoint: no format version"
            }
        case 1:  // a required key deleted
            let key = ["scalarType", "parameters", "classNames", "featureNames"].randomElement(using: &rng)!
            json.remove(key)
            expected = "missing key '\(key)'"
        case 2:  // a wrong JSON type somewhere in the tree
            let paths = json.paths()
            let path = paths.randomElement(using: &rng)!
            let replacement = [JSON.string("x"), .bool(false), .null, .array([.number(1)]), .object([:]), .number(-1)]
                .randomElement(using: &rng)!
            json[path] = replacement
        case 3:  // values that do not fill the shape
            let p = Int.random(in: 0..<parameterCount, using: &rng)
            guard case .array(var values) = json[["parameters", .index(p), "values"]] else { return XCTFail("no values") }
            if Bool.random(using: &rng) || values.count == 1 { values.append(.number(1)) } else { values.removeLast() }
            json[["parameters", .index(p), "values"]] = .array(values)
            expected = "has \(values.count) values for shape"
        case 4:  // a shape changed (its values unchanged)
            let p = Int.random(in: 0..<parameterCount, using: &rng)
            let shape = [[-1], [0], [1 << 62, 1 << 62], [Int.max, 2], [], [3, 3, 3]].randomElement(using: &rng)!
            json[["parameters", .index(p), "shape"]] = .array(shape.map { .number(Double($0)) })
            // Int.max is written as 9.223372036854776e+18, beyond Int: the decoder refuses it.
            expected = shape.contains(Int.max) ? "a value has the wrong type or is out of range" : "shape"
        case 5:  // a dense layer's sizes changed: the architecture no longer matches
            let layer = denseLayers.randomElement(using: &rng)!
            let key = Bool.random(using: &rng) ? "inputSize" : "outputSize"
            let size = [0, -5, 1 << 40, Int.max / 2, 1_000_000, 7].randomElement(using: &rng)!
            json[["layers", .index(layer), "dense", .key(key)]] = .number(Double(size))
            expected = "checkpoint: "
        case 6:  // a number beyond Float's range, or beyond Double's (not JSON-decodable)
            let p = Int.random(in: 0..<parameterCount, using: &rng)
            if Bool.random(using: &rng) {
                json[["parameters", .index(p), "values", 0]] = JSON.number(1e300)
                expected = original.isDouble ? nil : "out of range for Float"
            } else {
                text = json.render().replacingOccurrences(of: "\"formatVersion\":1", with: "\"formatVersion\":1,\"huge\":1e400")
                expected = "not a Backprop checkpoint"
            }
        case 7:  // a normaliser that does not fit
            json[["normalizer"]] = .object([
                "kind": .string("minMax"), "offsets": .array([.number(0), .number(1)]),
                "scales": .array([.number(1)]), "shift": .number(0),
            ])
            expected = "2 offsets but 1 scales"
        default:  // a parameter renamed: missing one / unexpected one, or a duplicate name
            let p = Int.random(in: 0..<parameterCount, using: &rng)
            if parameterCount > 1 && Bool.random(using: &rng) {
                json[["parameters", .index(p), "name"]] = json[["parameters", .index((p + 1) % parameterCount), "name"]]
                expected = "appears twice"
            } else {
                json[["parameters", .index(p), "name"]] = .string("9.nonsense")
                expected = "checkpoint: "
            }
        }
        let data = Data((text ?? json.render()).utf8)
        let outcome = checkSurvives(data, index: index, floatOnly: !original.isDouble)
        if let expected {
            XCTAssertTrue(
                outcome?.contains(expected) ?? false,
                "case \(index) (mutation \(mutation)): expected an error with '\(expected)', got \(outcome ?? "a load")")
        }
    }

    /// Any bytes: a `CheckpointError` or `DataError` with a message, or a checkpoint whose
    /// model can be built and run. Returns the error message, nil for a load.
    @discardableResult
    private func checkSurvives(_ data: Data, index: Int, floatOnly: Bool = false) -> String? {
        do {
            let checkpoint = try Checkpoint.decode(data, file: Self.file)
            let width = checkpoint.layers?.lazy.compactMap { spec -> Int? in
                if case .dense(let i, _, _) = spec { return i }
                return nil
            }.first ?? Swift.max(checkpoint.featureNames.count, 1)
            if let normalizer = checkpoint.normalizer {
                _ = normalizer.apply(to: Dataset(rows: [[Double](repeating: 1, count: normalizer.offsets.count)]))
            }
            let model: Sequential<Float> = try checkpoint.makeModel()
            _ = model.predict(Tensor.zeros([2, width]))
            if !floatOnly {
                let double: Sequential<Double> = try checkpoint.makeModel()
                _ = double.predict(Tensor.zeros([2, width]))
            }
            return nil
        } catch let error as CheckpointError {
            let message = "\(error)"
            XCTAssertFalse(message.isEmpty, "case \(index)")
            switch error {
            case .unreadable(let file, _), .unsupportedVersion(let file, _, _):
                XCTAssertEqual(file, Self.file, "case \(index)")
            default: break
            }
            return message
        } catch let error as DataError {
            return "\(error)"
        } catch {
            XCTFail("case \(index): unexpected error type: \(error)")
            return "\(error)"
        }
    }
}

// MARK: - Generated models

/// A random small model of built-in layers, with what a checkpoint carries.
private struct GeneratedModel {
    var isDouble: Bool
    var floatModel: Sequential<Float>?
    var doubleModel: Sequential<Double>?
    var checkpoint: Checkpoint
    var input: Tensor<Double>

    init(using rng: inout SeededGenerator) throws {
        isDouble = Bool.random(using: &rng)
        let inputSize = Int.random(in: 1...4, using: &rng)
        var sizes = [inputSize]
        for _ in 0..<Int.random(in: 1...3, using: &rng) { sizes.append(Int.random(in: 1...4, using: &rng)) }
        var specs: [LayerSpec] = []
        for k in 1..<sizes.count {
            specs.append(.dense(inputSize: sizes[k - 1], outputSize: sizes[k],
                                activation: Activation.allCases.randomElement(using: &rng)!))
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: specs.append(.activation(Activation.allCases.randomElement(using: &rng)!))
            case 1: specs.append(.dropout(rate: 0.25))
            default: break
            }
        }
        func build<S: TensorScalar>(_: S.Type, using rng: inout SeededGenerator) -> Sequential<S> {
            Sequential<S>(specs.map { spec -> any Layer<S> in
                switch spec {
                case .dense(let i, let o, let a):
                    return Dense<S>(inputSize: i, outputSize: o, activation: a, biasInitializer: .uniformUnit, using: &rng)
                case .activation(let a): return ActivationLayer<S>(a)
                case .dropout(let rate): return Dropout<S>(rate: rate)
                default: fatalError("only dense, activation and dropout layers are generated")
                }
            })
        }
        let features = (0..<inputSize).map { "f\($0)" }
        let normalizer: Normalizer? = Bool.random(using: &rng)
            ? Normalizer(kind: .zScore, offsets: features.map { _ in Double.random(in: -1...1, using: &rng) },
                         scales: features.map { _ in Double.random(in: 0.5...2, using: &rng) }, shift: 0)
            : nil
        let classes = (0..<sizes.last!).map { "class \($0)" }
        if isDouble {
            let model = build(Double.self, using: &rng)
            doubleModel = model
            checkpoint = try Checkpoint(model: model, classNames: classes, featureNames: features, labelColumn: "y",
                                    normalizer: normalizer, loss: "cross-entropy")
        } else {
            let model = build(Float.self, using: &rng)
            floatModel = model
            checkpoint = try Checkpoint(model: model, classNames: classes, featureNames: features,
                                    normalizer: normalizer)
        }
        input = Tensor.uniform([3, inputSize], in: -2..<2, using: &rng)
    }

    /// The bytes `Checkpoint.write` would write.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(checkpoint)
    }
}

// MARK: - A JSON tree to mutate

private enum JSON: Decodable, Equatable, ExpressibleByArrayLiteral {
    case null, bool(Bool), number(Double), string(String), array([JSON]), object([String: JSON])

    init(arrayLiteral elements: JSON...) { self = .array(elements) }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSON].self)) }
    }

    /// A key of an object or an index of an array.
    enum Step: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
        case key(String), index(Int)
        init(stringLiteral value: String) { self = .key(value) }
        init(integerLiteral value: Int) { self = .index(value) }
    }

    /// The node at a path (`.null` where there is none); setting creates object keys.
    subscript(path: [Step]) -> JSON {
        get {
            guard let first = path.first else { return self }
            switch (self, first) {
            case (.object(let o), .key(let k)): return o[k]?[Array(path.dropFirst())] ?? .null
            case (.array(let a), .index(let i)) where a.indices.contains(i): return a[i][Array(path.dropFirst())]
            default: return .null
            }
        }
        set {
            guard let first = path.first else { self = newValue; return }
            switch (self, first) {
            case (.object(var o), .key(let k)):
                var child = o[k] ?? .null
                child[Array(path.dropFirst())] = newValue
                o[k] = child
                self = .object(o)
            case (.array(var a), .index(let i)) where a.indices.contains(i):
                a[i][Array(path.dropFirst())] = newValue
                self = .array(a)
            default: break
            }
        }
    }

    mutating func remove(_ key: String) {
        if case .object(var o) = self {
            o[key] = nil
            self = .object(o)
        }
    }

    /// Every path in the tree, the root excluded.
    func paths(prefix: [Step] = []) -> [[Step]] {
        switch self {
        case .object(let o):
            return o.keys.sorted().flatMap { k in [prefix + [.key(k)]] + o[k]!.paths(prefix: prefix + [.key(k)]) }
        case .array(let a):
            return a.indices.flatMap { i in [prefix + [.index(i)]] + a[i].paths(prefix: prefix + [.index(i)]) }
        default:
            return []
        }
    }

    func render() -> String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n):
            return n == n.rounded() && Swift.abs(n) < 9e15 ? String(Int(n)) : "\(n)"
        case .string(let s):
            let data = try! JSONEncoder().encode(s)
            return String(decoding: data, as: UTF8.self)
        case .array(let a): return "[" + a.map { $0.render() }.joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { JSON.string($0).render() + ":" + o[$0]!.render() }.joined(separator: ",") + "}"
        }
    }
}
