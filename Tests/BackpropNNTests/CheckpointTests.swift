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

/// Checkpoints of a model and its optimizer: training resumed from one ends bit for bit
/// where training that never stopped ends.
final class CheckpointResumeTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bp-resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func model(seed: UInt64) -> Sequential<Float> {
        var rng = SeededGenerator(seed: seed)
        return Sequential<Float>(Dense(inputSize: 3, outputSize: 5, activation: .tanh, using: &rng),
                                 Dense(inputSize: 5, outputSize: 2, using: &rng))
    }

    /// Three fixed batches, visited in turn.
    let batches: [(Tensor<Float>, Tensor<Float>)] = {
        var rng = SeededGenerator(seed: 77)
        return (0..<3).map { _ in (Tensor<Float>.normal([4, 3], using: &rng), Tensor<Float>.normal([4, 2], using: &rng)) }
    }()

    func train(_ model: Sequential<Float>, _ optimizer: any Optimizer<Float>, steps: Range<Int>) {
        for step in steps {
            let (x, t) = batches[step % batches.count]
            Loss<Float>.meanSquaredError(model(Variable(x)), Variable(t)).backward()
            optimizer.update(model.parameters)
        }
    }

    let optimizers: [(String, () -> any Optimizer<Float>)] = [
        ("Adam", { Adam(learningRate: 0.01) }),
        ("AdamW", { Adam(learningRate: 0.01, weightDecay: 0.1, decoupled: true) }),
        ("SGD momentum", { SGD(learningRate: 0.05, momentum: 0.9, nesterov: true) }),
        ("RMSProp", { RMSProp(learningRate: 0.01, momentum: 0.5, centered: true) }),
        ("Adagrad", { Adagrad(learningRate: 0.05, learningRateDecay: 0.1) }),
    ]

    /// N steps, model and optimizer saved to a file, loaded into a new model (other
    /// initial values) and a new optimizer, M more steps: the same parameters, bit for bit,
    /// as N + M steps without a stop. Without the optimizer's state they differ.
    func testResumingFromACheckpointIsBitIdenticalToNeverStopping() throws {
        let (n, m) = (5, 4)
        for (name, make) in optimizers {
            let uninterrupted = model(seed: 1)
            let continuous = make()
            train(uninterrupted, continuous, steps: 0..<(n + m))

            let first = model(seed: 1)
            let optimizer = make()
            train(first, optimizer, steps: 0..<n)
            let url = directory.appendingPathComponent("\(name).json")
            try Checkpoint(model: first, optimizer: optimizer).write(to: url)

            let checkpoint = try Checkpoint.read(from: url)
            let resumed = model(seed: 2)
            let restored = make()
            try checkpoint.load(into: resumed, optimizer: restored)
            train(resumed, restored, steps: n..<(n + m))
            XCTAssertEqual(resumed.parameters.map(\.value), uninterrupted.parameters.map(\.value), name)
            XCTAssertEqual(try restored.state(for: resumed.namedParameters),
                           try continuous.state(for: uninterrupted.namedParameters), name)

            let modelOnly = model(seed: 2)
            try checkpoint.load(into: modelOnly)
            train(modelOnly, make(), steps: n..<(n + m))
            XCTAssertNotEqual(modelOnly.parameters.map(\.value), uninterrupted.parameters.map(\.value),
                              "\(name): the optimizer's state matters")
        }
    }

    /// The same through `Trainer`: a periodic checkpoint after N full-batch epochs, loaded
    /// into a new trainer for M more, ends where N + M epochs end.
    func testATrainerResumedFromItsPeriodicCheckpointMatchesOneRun() throws {
        let data = LabeledTensors(features: batches[0].0, targets: batches[0].1)
        let url = directory.appendingPathComponent("run.json")
        let whole = model(seed: 1)
        _ = Trainer(model: whole, loss: .meanSquaredError, optimizer: Adam(learningRate: 0.01), epochs: 7,
                    mode: .fullBatch).fit(data)
        let first = model(seed: 1)
        let history = Trainer(model: first, loss: .meanSquaredError, optimizer: Adam(learningRate: 0.01), epochs: 4,
                              mode: .fullBatch, callbacks: [PeriodicCheckpoint(every: 4, to: url)]).fit(data)
        XCTAssertNil(history.stopReason)
        let resumed = model(seed: 3)
        let adam = Adam<Float>(learningRate: 0.01)
        try Checkpoint.read(from: url).load(into: resumed, optimizer: adam)
        XCTAssertEqual(adam.step, 4)
        _ = Trainer(model: resumed, loss: .meanSquaredError, optimizer: adam, epochs: 3, mode: .fullBatch).fit(data)
        XCTAssertEqual(resumed.parameters.map(\.value), whole.parameters.map(\.value))
    }

    /// A checkpoint without optimizer state (every file written before it existed) still
    /// loads; asking it for the optimizer's state is an error, and so is a state that does
    /// not fit, with model and optimizer left unchanged.
    func testCheckpointsWithoutOrWithMismatchedStateAreErrorsThatChangeNothing() throws {
        let json = #"""
            {"formatVersion": 1, "scalarType": "Float", "classNames": [], "featureNames": [],
             "parameters": [{"name": "weight", "shape": [1, 1], "values": [2]}, {"name": "bias", "shape": [1], "values": [3]}]}
            """#
        let old = try Checkpoint.decode(Data(json.utf8), file: "old.json")
        XCTAssertNil(old.optimizerState)
        let layer = Dense<Float>(weight: [[0.5]], bias: [0.25])
        XCTAssertThrowsError(try old.load(into: layer, optimizer: Adam<Float>())) {
            XCTAssertEqual($0 as? OptimizerStateError, .noState)
        }
        XCTAssertEqual(layer.weight.value, [[0.5]], "unchanged")
        try old.load(into: layer)
        XCTAssertEqual(layer.weight.value, [[2]])

        var mismatched = old
        mismatched.optimizerState = OptimizerState(optimizer: "Adam", step: 1, entries: [
            .init(parameter: "weight", step: 1, shape: [2, 1], buffers: ["first": [0, 0], "second": [0, 0]]),
        ])
        let other = Dense<Float>(weight: [[0.5]], bias: [0.25])
        XCTAssertThrowsError(try mismatched.load(into: other, optimizer: Adam<Float>())) {
            XCTAssertEqual($0 as? OptimizerStateError, .shapeMismatch(parameter: "weight", model: [1, 1], saved: [2, 1]))
            XCTAssertTrue("\($0)".contains("'weight'"), "\($0)")
        }
        XCTAssertEqual(other.weight.value, [[0.5]], "unchanged")
    }

    func testNonFiniteOptimizerStateIsNotWritten() throws {
        var checkpoint = try Checkpoint(model: model(seed: 1), optimizer: Adam<Float>())
        checkpoint.optimizerState = OptimizerState(optimizer: "Adam", step: 1, entries: [
            .init(parameter: "0.bias", step: 1, shape: [5], buffers: ["first": [0, 0, .nan, 0, 0], "second": [0, 0, 0, 0, 0]]),
        ])
        let url = directory.appendingPathComponent("nan.json")
        XCTAssertThrowsError(try checkpoint.write(to: url)) {
            guard case .unusableValue(let parameter, let buffer, let index, let value)? = $0 as? OptimizerStateError else {
                return XCTFail("\($0)")
            }
            XCTAssertEqual([parameter, buffer, String(index)], ["0.bias", "first", "2"])
            XCTAssertTrue(value.isNaN)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }
}
