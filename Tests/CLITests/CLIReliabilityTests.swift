import Foundation
import XCTest

/// Every bad argument combination is a usage error (exit 2, the message naming
/// the problem, then the usage); runtime failures exit 1 with the message on stderr; a
/// save that cannot be written fails before training and leaves an existing checkpoint
/// byte for byte as it was.
extension CLITests {
    func testEveryBadArgumentCombinationIsAUsageError() throws {
        let data = try file("sep.csv", separableCSV(rows: 20))
        let train = ["train", "--data", data, "--label", "label"]
        let table: [(arguments: [String], message: String)] = [
            // Commands
            ([], "no command given"),
            (["fly"], "unknown command 'fly'"),
            (["--epochs", "3"], "unknown command '--epochs'"),
            // Missing and empty values
            (["train", "--label", "y"], "missing required option '--data'"),
            (["train", "--data", data], "missing required option '--label'"),
            (["train", "--label", "y", "--data"], "option '--data' needs a value (FILE.csv)"),
            (["train", "--data", "--label", "y"], "option '--data' needs a value (FILE.csv)"),
            (["train", "--data=", "--label", "y"], "option '--data' needs a value (FILE.csv), not an empty string"),
            (["train", "--data", "", "--label", "y"], "option '--data' needs a value (FILE.csv), not an empty string"),
            (train + ["--save", " "], "option '--save' needs a value (MODEL.json), not an empty string"),
            (["predict", "--model", "m.json"], "missing required option '--data'"),
            (["predict", "--data", data], "missing required option '--model'"),
            // Unknown, stray and repeated
            (train + ["--bogus"], "unknown option '--bogus'"),
            (train + ["--bogus=1"], "unknown option '--bogus'"),
            (train + ["-x"], "unexpected argument '-x'"),
            (train + ["extra"], "unexpected argument 'extra'"),
            (train + ["--"], "unexpected argument '--'"),
            (train + ["--epochs", "1", "--epochs", "2"], "option '--epochs' is given more than once"),
            (train + ["--lr=1", "--lr", "2"], "option '--lr' is given more than once"),
            (train + ["--quiet", "--quiet"], "option '--quiet' is given more than once"),
            (train + ["--quiet=yes"], "option '--quiet' takes no value"),
            // Bad numbers
            (train + ["--epochs", "abc"], "option '--epochs': 'abc' is not an integer"),
            (train + ["--epochs", "1.5"], "option '--epochs': '1.5' is not an integer"),
            (train + ["--epochs", "0"], "option '--epochs': 0 is out of range 1...10000000"),
            (train + ["--epochs", "-3"], "option '--epochs': -3 is out of range 1...10000000"),
            (train + ["--epochs", "99999999999999999999"], "option '--epochs': '99999999999999999999' is not an integer"),
            (train + ["--batch-size", "-1"], "option '--batch-size': -1 is out of range 0..."),
            (train + ["--batch-size", "x"], "option '--batch-size': 'x' is not an integer"),
            (train + ["--lr", "0"], "option '--lr': 0 is out of range 1e-12...1000000.0"),
            (train + ["--lr", "-1"], "option '--lr': -1 is out of range"),
            (train + ["--lr", "nan"], "option '--lr': 'nan' is not a number"),
            (train + ["--lr", "inf"], "option '--lr': 'inf' is not a number"),
            (train + ["--momentum", "1", "--optimizer", "sgd"], "option '--momentum': 1 is out of range"),
            (train + ["--dropout", "1"], "option '--dropout': 1 is out of range 0.0...0.95"),
            (train + ["--dropout", "-0.1"], "option '--dropout': -0.1 is out of range"),
            (train + ["--weight-decay", "-1"], "option '--weight-decay': -1 is out of range"),
            (train + ["--patience", "0"], "option '--patience': 0 is out of range 1..."),
            (train + ["--seed", "-1"], "option '--seed': '-1' is not a non-negative integer"),
            (train + ["--seed", "1.5"], "option '--seed': '1.5' is not a non-negative integer"),
            (train + ["--seed", "18446744073709551616"], "option '--seed': '18446744073709551616' is not a non-negative integer"),
            // --validation outside [0, 1)
            (train + ["--validation", "1"], "option '--validation': 1 is out of range 0.0...0.99"),
            (train + ["--validation", "1.5"], "option '--validation': 1.5 is out of range 0.0...0.99"),
            (train + ["--validation", "-0.1"], "option '--validation': -0.1 is out of range 0.0...0.99"),
            (train + ["--validation", "nan"], "option '--validation': 'nan' is not a number"),
            (train + ["--validation", "half"], "option '--validation': 'half' is not a number"),
            // --hidden with junk, zero, negative and absurd sizes
            (train + ["--hidden", "16,x"], "option '--hidden': '16,x' is not a list of positive integers like 16,8"),
            (train + ["--hidden", "0"], "option '--hidden': '0' is not a list of positive integers like 16,8"),
            (train + ["--hidden", "-4"], "option '--hidden': '-4' is not a list of positive integers like 16,8"),
            (train + ["--hidden", "16,,8"], "option '--hidden': '16,,8' is not a list of positive integers like 16,8"),
            (train + ["--hidden", ","], "option '--hidden': ',' is not a list of positive integers like 16,8"),
            (train + ["--hidden", "16;8"], "option '--hidden': '16;8' is not a list of positive integers like 16,8"),
            (train + ["--hidden", "1e3"], "option '--hidden': '1e3' is not a list of positive integers like 16,8"),
            (train + ["--hidden", "2000000"], "option '--hidden': 2000000 is out of range 1...100000"),
            (train + ["--hidden", "100000,100000"], "option '--hidden': a 2 -> 100000 -> 100000 -> 2 network has more than 50000000 parameters"),
            // Words not in the list
            (train + ["--optimizer", "rmsprop"], "option '--optimizer': 'rmsprop' is not one of sgd, adam"),
            (train + ["--loss", "hinge"], "option '--loss': 'hinge' is not one of ce, bce, mse, mean-half-se"),
            (train + ["--normalize", "l2"], "option '--normalize': 'l2' is not one of minmax, zscore, none"),
            (train + ["--activation", "swish"], "option '--activation': 'swish' is not one of"),
            // Conflicting options
            (train + ["--momentum", "0.9"], "option '--momentum' applies to --optimizer sgd only"),
            (train + ["--momentum", "0.9", "--optimizer", "adam"], "option '--momentum' applies to --optimizer sgd only"),
            (train + ["--dropout", "0.2", "--hidden", "none"], "option '--dropout' needs a hidden layer"),
            // The other commands
            (["iris", "--epochs", "0"], "option '--epochs': 0 is out of range 1...1000000"),
            (["iris", "--lr", "fast"], "option '--lr': 'fast' is not a number"),
            (["iris", "--hidden", "4"], "unknown option '--hidden'"),
            (["xor", "extra"], "unexpected argument 'extra'"),
            (["xor", "--epochs=-1"], "option '--epochs': -1 is out of range"),
            (["digits", "--batch-size", "0"], "option '--batch-size': 0 is out of range 1...1000000"),
            (["digits", "--hidden", "0"], "option '--hidden': '0' is not a list of positive integers like 16,8"),
            (["digits", "--hidden", "60000,60000"], "option '--hidden': a 64 -> 60000 -> 60000 -> 10 network has more than 50000000 parameters"),
            (["predict", "--model", "m.json", "--data", data, "--epochs", "3"], "unknown option '--epochs'"),
        ]
        // The runs are independent: four at a time.
        let results = LockedList<Result>(count: table.count)
        let executable = try XCTUnwrap(Self.executable)
        let workingDirectory: URL = directory
        let argumentLists = table.map(\.arguments)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for k in stride(from: worker, to: argumentLists.count, by: 4) {
                results.set(k, try? Self.run(executable, argumentLists[k], in: workingDirectory))
            }
        }
        for (k, (arguments, message)) in table.enumerated() {
            let result = try XCTUnwrap(results.get(k), "\(arguments): did not run")
            let command = arguments.first.flatMap { ["iris", "xor", "digits", "train", "predict"].contains($0) ? $0 : nil }
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("error: \(message)"), "\(arguments): expected '\(message)' in\n\(result.stderr)")
            XCTAssertTrue(
                result.stderr.contains("usage: backprop \(command ?? "<command>")"), "\(arguments): no usage in\n\(result.stderr)")
            XCTAssertFalse(result.stdout.contains("epoch"), "\(arguments): no training happened")
        }
    }

    func testRuntimeFailuresExitOneWithTheMessageOnStderr() throws {
        let data = try file("sep.csv", separableCSV(rows: 20))
        let inconsistent = try file("bad-model.json", """
            {"formatVersion": 1, "scalarType": "Float", "classNames": ["a", "b"], "featureNames": ["f1", "f2"],
             "layers": [{"dense": {"inputSize": 2, "outputSize": 3, "activation": "relu"}},
                        {"dense": {"inputSize": 4, "outputSize": 2, "activation": "identity"}}],
             "parameters": []}
            """)
        let cases: [([String], String)] = [
            (["train", "--data", "/nonexistent/d.csv", "--label", "y"], "error: /nonexistent/d.csv: cannot read the file (No such file or directory)"),
            (["train", "--data", directory.path, "--label", "y"], "error: \(directory.path): cannot read the file"),
            (["train", "--data", data, "--label", "nope"], "error: \(data): no column named 'nope'"),
            (["train", "--data", data, "--label", "label", "--loss", "bce", "--save", "/nonexistent/m.json"],
             "error: /nonexistent/m.json: cannot write the model: the directory /nonexistent does not exist"),
            (["predict", "--model", inconsistent, "--data", data],
             "error: checkpoint: inconsistent architecture: layer 1 (dense 4 → 2) takes 4 inputs, but the layer before gives 3"),
            (["predict", "--model", "/nonexistent/m.json", "--data", data],
             "error: /nonexistent/m.json: cannot read the file (No such file or directory)"),
            (["predict", "--model", data, "--data", data], "not a Backprop checkpoint: invalid JSON at line 1, column 2: Invalid value"),
        ]
        for (arguments, message) in cases {
            let result = try backprop(arguments)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("error: "), "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): expected '\(message)' in\n\(result.stderr)")
            XCTAssertFalse(result.stderr.contains("usage:"), "\(arguments): a runtime error prints no usage")
            XCTAssertFalse(result.stdout.contains("error"), "\(arguments): the message is on stderr only")
        }
    }

    /// Save a checkpoint, then try to save over it in ways that cannot work: each fails
    /// with exit 1 before training and the saved bytes are unchanged.
    func testAFailedSaveLeavesTheExistingCheckpointUntouched() throws {
        let data = try file("sep.csv", separableCSV(rows: 20))
        let base = ["train", "--data", data, "--label", "label", "--epochs", "3", "--quiet"]
        XCTAssertEqual(try backprop(base + ["--save", "model.json"]).status, 0)
        let saved = directory.appendingPathComponent("model.json")
        let before = try Data(contentsOf: saved)
        let subdirectory = directory.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: subdirectory, withIntermediateDirectories: true)
        for (target, message) in [
            ("model.json/inside.json", "model.json/inside.json: cannot write the model: the directory"),
            ("models", "models: cannot write the model: it is a directory"),
            ("missing/model.json", "missing/model.json: cannot write the model: the directory"),
        ] {
            let result = try backprop(base + ["--save", target, "--seed", "9"])
            XCTAssertEqual(result.status, 1, "\(target): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("error: \(message)"), "\(target): \(result.stderr)")
            XCTAssertFalse(result.stdout.contains("training accuracy"), "\(target): it failed before training")
        }
        XCTAssertEqual(try Data(contentsOf: saved), before, "the existing checkpoint is byte for byte unchanged")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(),
            ["model.json", "models", "sep.csv"], "no temporary file is left behind")
    }
}

private final class LockedList<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Element?]
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Element?) { lock.withLock { items[index] = value } }
    func get(_ index: Int) -> Element? { lock.withLock { items[index] } }
}
