import Backprop
import BackpropNN
import Foundation
import XCTest

final class CheckpointTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bp-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func model(seed: UInt64) -> Sequential<Float> {
        var rng = SeededGenerator(seed: seed)
        return Sequential<Float>(
            Dense(inputSize: 3, outputSize: 4, activation: .tanh, using: &rng), Dropout(rate: 0.1),
            Dense(inputSize: 4, outputSize: 2, using: &rng), ActivationLayer(.softmax))
    }

    func testRoundTripRebuildsTheSameModel() throws {
        let original = model(seed: 1)
        let normalizer = Normalizer(kind: .zScore, offsets: [1, 2, 3], scales: [0.5, 1, 2], shift: 0)
        let url = directory.appendingPathComponent("m.json")
        try Checkpoint(model: original, classNames: ["no", "yes"], featureNames: ["a", "b", "c"],
                       labelColumn: "y", normalizer: normalizer, loss: "cross-entropy").write(to: url)
        let checkpoint = try Checkpoint.read(from: url)
        XCTAssertEqual(checkpoint.formatVersion, Checkpoint.currentFormatVersion)
        XCTAssertEqual(checkpoint.scalarType, "Float")
        XCTAssertEqual(checkpoint.classNames, ["no", "yes"])
        XCTAssertEqual(checkpoint.normalizer, normalizer)
        XCTAssertEqual(checkpoint.layers, [.dense(inputSize: 3, outputSize: 4, activation: .tanh), .dropout(rate: 0.1),
                                           .dense(inputSize: 4, outputSize: 2, activation: .identity), .activation(.softmax)])
        let restored: Sequential<Float> = try checkpoint.makeModel()
        XCTAssertEqual(restored.namedParameters.map(\.name), original.namedParameters.map(\.name))
        for (a, b) in zip(restored.parameters, original.parameters) { XCTAssertEqual(a.value, b.value) }
        var rng = SeededGenerator(seed: 9)
        let x = Tensor<Float>.normal([5, 3], using: &rng)
        XCTAssertEqual(restored.predict(x), original.predict(x))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertEqual(leftovers, ["m.json"], "no temporary file is left behind")
    }

    func testLoadIntoAMismatchedModelFailsClearlyAndChangesNothing() throws {
        let checkpoint = Checkpoint(model: model(seed: 1))
        var rng = SeededGenerator(seed: 0)
        let wider = Sequential<Float>(Dense(inputSize: 3, outputSize: 5, using: &rng))
        let before = wider.parameters[0].value
        XCTAssertThrowsError(try checkpoint.load(into: wider)) { error in
            XCTAssertEqual("\(error)", "checkpoint: parameter '0.weight' has shape [3, 4] in the checkpoint but [3, 5] in the model")
        }
        XCTAssertEqual(wider.parameters[0].value, before)
        let deeper = Sequential<Float>(model(seed: 1).layers + [Dense(inputSize: 2, outputSize: 2, using: &rng)])
        XCTAssertThrowsError(try checkpoint.load(into: deeper)) { error in
            XCTAssertEqual(error as? CheckpointError, .missingParameter("4.weight"))
        }
        let shallower = Sequential<Float>(Array(model(seed: 1).layers.prefix(1)))
        XCTAssertThrowsError(try checkpoint.load(into: shallower)) { error in
            XCTAssertEqual(error as? CheckpointError, .unexpectedParameter("2.weight"))
        }
    }

    func testOtherFormatVersionAndGarbageAreRejected() throws {
        let url = directory.appendingPathComponent("v.json")
        try Data(#"{"formatVersion": 99, "parameters": []}"#.utf8).write(to: url)
        XCTAssertThrowsError(try Checkpoint.read(from: url)) { error in
            XCTAssertEqual("\(error)", "\(url.path): checkpoint format version 99 is not supported (this build reads version 1)")
        }
        try Data("not json".utf8).write(to: url)
        XCTAssertThrowsError(try Checkpoint.read(from: url)) { error in
            XCTAssertTrue("\(error)".contains("not a Backprop checkpoint"), "\(error)")
        }
        try Data(#"{"formatVersion": 1, "scalarType": "Float"}"#.utf8).write(to: url)
        XCTAssertThrowsError(try Checkpoint.read(from: url)) { error in
            XCTAssertTrue("\(error)".contains("missing key"), "\(error)")
        }
    }

    func testUserLayersSaveParametersOnly() throws {
        let custom = Sequential<Double>(Scale([1, 2]))
        let checkpoint = Checkpoint(model: custom)
        XCTAssertNil(checkpoint.layers)
        XCTAssertThrowsError(try Checkpoint.architecture(of: custom)) { error in
            XCTAssertEqual(error as? CheckpointError, .notDescribable(index: 0, type: "Scale"))
        }
        XCTAssertThrowsError(try checkpoint.makeModel(as: Double.self)) { error in
            XCTAssertEqual(error as? CheckpointError, .noArchitecture)
        }
        let other = Sequential<Double>(Scale([0, 0]))
        try checkpoint.load(into: other)
        XCTAssertEqual(other.parameters[0].value, [1, 2])
    }
}
