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
        let checkpoint = try Checkpoint(model: model(seed: 1))
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
        XCTAssertThrowsError(try Checkpoint(model: custom)) { error in
            XCTAssertEqual(error as? CheckpointError, .notDescribable(layer: "0", type: "Scale"))
        }
        let checkpoint = try Checkpoint(model: custom, parametersOnly: true)
        XCTAssertNil(checkpoint.layers)
        XCTAssertThrowsError(try checkpoint.makeModel(as: Double.self)) { error in
            XCTAssertEqual(error as? CheckpointError, .noArchitecture)
        }
        let other = Sequential<Double>(Scale([0, 0]))
        try checkpoint.load(into: other)
        XCTAssertEqual(other.parameters[0].value, [1, 2])
    }

    // MARK: Failed writes and broken files

    /// A write that fails (here the temporary file's name is taken by a directory, so
    /// nothing can be written; a root user ignores permissions, this cannot be ignored)
    /// throws a DataError naming the file and leaves the existing checkpoint as it was.
    func testFailedWriteLeavesTheExistingCheckpointUntouched() throws {
        let url = directory.appendingPathComponent("m.json")
        try Checkpoint(model: model(seed: 1)).write(to: url)
        let before = try Data(contentsOf: url)
        let blocker = directory.appendingPathComponent(".m.json.\(ProcessInfo.processInfo.processIdentifier).tmp")
        try FileManager.default.createDirectory(at: blocker.appendingPathComponent("x"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try Checkpoint(model: model(seed: 2)).write(to: url)) { error in
            XCTAssertTrue(error is DataError, "\(error)")
            XCTAssertTrue("\(error)".hasPrefix("\(url.path): cannot write the checkpoint ("), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: url), before)
        try FileManager.default.removeItem(at: blocker)

        let inDirectory = directory.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: inDirectory, withIntermediateDirectories: true)
        XCTAssertThrowsError(try Checkpoint(model: model(seed: 2)).write(to: inDirectory)) { error in
            XCTAssertEqual("\(error)", "\(inDirectory.path): cannot write the checkpoint (Is a directory)")
        }
        let missing = directory.appendingPathComponent("missing/m.json")
        XCTAssertThrowsError(try Checkpoint(model: model(seed: 2)).write(to: missing)) { error in
            XCTAssertEqual("\(error)", "\(missing.path): cannot write the checkpoint (No such file or directory)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["m.json", "sub"])
    }

    func testBrokenFilesGiveMessagesNamingWhereAndWhat() throws {
        func message(_ text: String) -> String {
            do { _ = try Checkpoint.decode(Data(text.utf8), file: "c.json").makeModel(as: Float.self); return "loaded" } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(message(""), "c.json: not a Backprop checkpoint: the file is empty")
        XCTAssertEqual(message("{\n  \"formatVersion\": 1,\n  oops\n}"),
                       "c.json: not a Backprop checkpoint: invalid JSON at line 3, column 3: Invalid value")
        let head = #"{"formatVersion": 1, "scalarType": "Float", "classNames": [], "featureNames": ["a", "b"], "#
        XCTAssertEqual(
            message(head + #""parameters": [{"name": "w", "shape": [2, 2], "values": [1, 2, 3]}]}"#),
            "c.json: not a Backprop checkpoint: parameter 'w' has 3 values for shape [2, 2] (at .parameters[0])")
        XCTAssertEqual(
            message(head + #""parameters": [{"name": "w", "shape": [1], "values": [1]}, {"name": "w", "shape": [], "values": [2]}]}"#),
            "c.json: not a Backprop checkpoint: parameter 'w' appears twice (at .parameters[1])")
        XCTAssertEqual(
            message(head + #""parameters": [], "normalizer": {"kind": "zScore", "offsets": [0], "scales": [1], "shift": 0}}"#),
            "c.json: not a Backprop checkpoint: the normalizer has 1 columns, the checkpoint 2 feature names")
        XCTAssertTrue(
            message(head + #""parameters": [], "normalizer": {"kind": "zScore", "offsets": [0, 1], "scales": [1], "shift": 0}}"#)
                .contains("2 offsets but 1 scales at .normalizer.scales"))
        XCTAssertEqual(
            message(head + #""parameters": [], "layers": [{"dense": {"inputSize": 3, "outputSize": 1, "activation": "relu"}}]}"#),
            "checkpoint: inconsistent architecture: layer 0 (dense 3 → 1) takes 3 inputs, but there are 2 feature names")
        XCTAssertEqual(
            message(head + #""parameters": [], "layers": [{"dense": {"inputSize": 2, "outputSize": 4611686018427387904, "activation": "relu"}}]}"#),
            "checkpoint: inconsistent architecture: layer 0 (dense 2 → 4611686018427387904) is too large")
        XCTAssertEqual(
            message(head + #""parameters": [], "layers": [{"dense": {"inputSize": 2, "outputSize": 1000000, "activation": "relu"}}]}"#),
            "checkpoint: inconsistent architecture: the layers have 3000000 parameters, the checkpoint holds 0 values")
        XCTAssertEqual(
            message(head + #""layers": [{"dense": {"inputSize": 2, "outputSize": 1, "activation": "identity"}}], "#
                + #""parameters": [{"name": "0.weight", "shape": [2, 1], "values": [1, 1e300]}, {"name": "0.bias", "shape": [1], "values": [0]}]}"#),
            "checkpoint: value 1e+300 at index 1 of parameter '0.weight' is out of range for Float")
    }

    // MARK: Values that overflow, unsupported types, empty architectures

    func testUnsupportedScalarTypeAndEmptyLayerListAreRejected() throws {
        func message(_ text: String) -> String {
            do { _ = try Checkpoint.decode(Data(text.utf8), file: "c.json"); return "read" } catch { return "\(error)" }
        }
        let tail = #""classNames": [], "featureNames": ["a"], "parameters": []}"#
        XCTAssertEqual(
            message(#"{"formatVersion": 1, "scalarType": "Int8", "# + tail),
            "c.json: not a Backprop checkpoint: scalar type 'Int8' is not supported (Float or Double) at .scalarType")
        XCTAssertEqual(
            message(#"{"formatVersion": 1, "scalarType": "Float", "layers": [], "# + tail),
            "c.json: not a Backprop checkpoint: the layer list is empty (a model needs at least one layer; "
                + "a checkpoint of parameters only has no 'layers' key) at .layers")
        XCTAssertEqual(message(#"{"formatVersion": 1, "scalarType": "Double", "# + tail), "read")
    }

    /// A saved normaliser must have a non-negative scale per column, positive for a z-score
    /// (a fitted min-max scale is 0 only for a constant column, which stays readable).
    func testUnsoundNormalizerIsRejectedWhenRead() throws {
        func message(_ normalizer: String) -> String {
            let text = #"{"formatVersion": 1, "scalarType": "Float", "classNames": [], "featureNames": ["a", "b"], "parameters": [], "#
                + #""normalizer": "# + normalizer + "}"
            do { _ = try Checkpoint.decode(Data(text.utf8), file: "c.json"); return "read" } catch { return "\(error)" }
        }
        XCTAssertEqual(message(#"{"kind": "minMax", "offsets": [0, 1], "scales": [1, -2], "shift": 0}"#),
                       "c.json: not a Backprop checkpoint: column 2: the scale -2.0 is negative at .normalizer.scales")
        XCTAssertTrue(message(#"{"kind": "zScore", "offsets": [0, 1], "scales": [0, 1], "shift": 0}"#)
                        .hasPrefix("c.json: not a Backprop checkpoint: column 1: the scale is 0"))
        XCTAssertEqual(message(#"{"kind": "minMax", "offsets": [0, 1], "scales": [0, 1], "shift": 0}"#), "read")
    }

    /// A diverged model (NaN or infinite parameters) or a normaliser with non-finite
    /// coefficients is not written: the error comes before any file is touched, so an
    /// existing checkpoint stays as it was and no temporary file is left.
    func testNonFiniteValuesAreNotWritten() throws {
        let url = directory.appendingPathComponent("m.json")
        try Checkpoint(model: model(seed: 1)).write(to: url)
        let before = try Data(contentsOf: url)
        let diverged = model(seed: 2)
        var weight = diverged.parameters[0].value
        weight.withUnsafeMutableBufferPointer { $0[5] = .nan }
        diverged.parameters[0].value = weight
        XCTAssertThrowsError(try Checkpoint(model: diverged).write(to: url)) { error in
            guard case .nonFiniteParameter("0.weight", 5, let value)? = error as? CheckpointError, value.isNaN else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual("\(error)", "checkpoint: parameter '0.weight' is nan at index 5; "
                + "a model with infinite or NaN parameters (diverged training) is not saved")
        }
        let overflowing = Normalizer(kind: .zScore, offsets: [0, .infinity, 0], scales: [1, 1, 1], shift: 0)
        XCTAssertThrowsError(try Checkpoint(model: model(seed: 2), normalizer: overflowing).write(to: url)) { error in
            XCTAssertEqual("\(error)", "checkpoint: the normalizer is not saved: column 2: the offset inf is not finite")
        }
        XCTAssertEqual(try Data(contentsOf: url), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["m.json"])
    }

    /// A directory, a symlink loop and an endless device are named as such; a FIFO is read
    /// to its end.
    func testReadNamesWhatThePathIs() throws {
        let fm = FileManager.default
        let loop = directory.appendingPathComponent("loop")
        try fm.createSymbolicLink(atPath: loop.path, withDestinationPath: loop.path)
        XCTAssertThrowsError(try Checkpoint.read(from: loop)) { error in
            XCTAssertEqual("\(error)", "\(loop.path): cannot read the file: it is a symlink loop (Too many levels of symbolic links)")
        }
        XCTAssertThrowsError(try Checkpoint.read(from: directory)) { error in
            XCTAssertEqual("\(error)", "\(directory.path): cannot read the file: it is a directory")
        }
        let url = directory.appendingPathComponent("m.json")
        try Checkpoint(model: model(seed: 1)).write(to: url)
        let fifo = directory.appendingPathComponent("m.fifo")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        let bytes = try Data(contentsOf: url)
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo.path) {
                handle.write(bytes)
                try? handle.close()
            }
        }
        writer.start()
        XCTAssertEqual(try Checkpoint.read(from: fifo), try Checkpoint.read(from: url))
    }
}
