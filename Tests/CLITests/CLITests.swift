import Backprop
import Foundation
import XCTest

/// Runs the built `backprop` executable with good and bad arguments and checks exit codes
/// and messages.
final class CLITests: XCTestCase {
    /// The executable built with these tests: next to the test bundle, else in the
    /// package's `.build/debug` or `.build/release`.
    static let executable: URL? = {
        let fm = FileManager.default
        var candidates: [URL] = []
        for bundle in [Bundle(for: CLITests.self), Bundle.main] {
            let url = bundle.bundleURL
            candidates.append(url.deletingLastPathComponent().appendingPathComponent("backprop"))
            candidates.append(url.appendingPathComponent("backprop"))
        }
        // Tests/CLITests/CLITests.swift → package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for config in ["debug", "release"] {
            candidates.append(root.appendingPathComponent(".build/\(config)/backprop"))
        }
        return candidates.first { fm.isExecutableFile(atPath: $0.path) && !$0.hasDirectoryPath }
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bp-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func backprop(_ arguments: String...) throws -> Result { try backprop(arguments) }

    func file(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func assertUsageError(_ result: Result, _ message: String, command: String,
                          file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 2, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains("error: \(message)"), result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains("usage: backprop \(command)"), result.stderr, file: file, line: line)
    }

    func assertRuntimeError(_ result: Result, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(message), "stderr: \(result.stderr)", file: file, line: line)
    }

    /// Two well-separated classes in two features.
    func separableCSV(rows: Int = 60) -> String {
        var rng = SeededGenerator(seed: 7)  // the same file every run, so a failure reproduces
        var lines = ["f1,f2,label"]
        for i in 0..<rows {
            let positive = i % 2 == 0
            let base = positive ? 3.0 : -3.0
            lines.append("\(base + Double.random(in: -1...1, using: &rng)),\(Double.random(in: -1...1, using: &rng)),\(positive ? "yes" : "no")")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Help and usage errors

    func testHelpForEveryCommand() throws {
        let top = try backprop("--help")
        XCTAssertEqual(top.status, 0)
        for command in ["iris", "xor", "digits", "text", "train", "predict", "evaluate"] {
            XCTAssertTrue(top.stdout.contains("  \(command) "), top.stdout)
            let help = try backprop(command, "--help")
            XCTAssertEqual(help.status, 0, command)
            XCTAssertTrue(help.stdout.hasPrefix("usage: backprop \(command)"), help.stdout)
            XCTAssertTrue(help.stdout.contains("--help"), help.stdout)
        }
        XCTAssertTrue(try backprop("iris", "--help").stdout.contains("--seed N"))
        XCTAssertTrue(try backprop("train", "--help").stdout.contains("--data FILE.csv"))
    }

    func testMissingOrUnknownCommand() throws {
        let none = try backprop()
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.stderr.contains("error: no command given"))
        let unknown = try backprop("fly")
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("error: unknown command 'fly'"))
        XCTAssertTrue(unknown.stderr.contains("usage: backprop <command>"))
    }

    func testUnknownFlagsAndBadValuesNameTheFlag() throws {
        assertUsageError(try backprop("iris", "--bogus"), "unknown option '--bogus'", command: "iris")
        assertUsageError(try backprop("iris", "--seed", "abc"), "option '--seed': 'abc' is not a non-negative integer", command: "iris")
        assertUsageError(try backprop("iris", "--seed=-1"), "option '--seed': '-1' is not a non-negative integer", command: "iris")
        assertUsageError(try backprop("iris", "--epochs"), "option '--epochs' needs a value (N)", command: "iris")
        assertUsageError(try backprop("iris", "--epochs", "0"), "option '--epochs': 0 is out of range 1...1000000", command: "iris")
        assertUsageError(try backprop("iris", "--lr", "fast"), "option '--lr': 'fast' is not a number", command: "iris")
        assertUsageError(try backprop("xor", "extra"), "unexpected argument 'extra'", command: "xor")
        assertUsageError(try backprop("xor", "--seed", "1", "--seed", "2"), "option '--seed' is given more than once", command: "xor")
        assertUsageError(try backprop("iris", "--quiet=yes"), "option '--quiet' takes no value", command: "iris")
        assertUsageError(try backprop("train", "--label", "y"), "missing required option '--data'", command: "train")
        assertUsageError(try backprop("train", "--data", "x.csv", "--label", "y", "--hidden", "16,x"),
                         "option '--hidden': '16,x' is not a list of positive integers like 16,8", command: "train")
        assertUsageError(try backprop("train", "--data", "x.csv", "--label", "y", "--optimizer", "rmsprop"),
                         "option '--optimizer': 'rmsprop' is not one of sgd, adam", command: "train")
        assertUsageError(try backprop("train", "--data", "x.csv", "--label", "y", "--validation", "1.5"),
                         "option '--validation': 1.5 is out of range 0.0...0.99", command: "train")
        assertUsageError(try backprop("predict", "--model", "m.json"), "missing required option '--data'", command: "predict")
    }

    // MARK: Bad data files

    func testRaggedRows() throws {
        let path = try file("ragged.csv", "a,b,label\n1,2,x\n3,4\n")
        assertRuntimeError(try backprop("train", "--data", path, "--label", "label"), "error: \(path):3: 2 fields, but the header has 3 columns")
    }

    func testTextInANumericColumn() throws {
        let path = try file("text.csv", "a,b,label\n1,2,x\n3,oops,y\n")
        assertRuntimeError(try backprop("train", "--data", path, "--label", "label"), "error: \(path):3: column 2 ('b'): 'oops' is not a number")
    }

    func testEmptyFile() throws {
        let path = try file("empty.csv", "")
        assertRuntimeError(try backprop("train", "--data", path, "--label", "label"), "error: \(path): the file is empty")
    }

    func testUnknownLabelColumn() throws {
        let path = try file("d.csv", "a,b,label\n1,2,x\n3,4,y\n")
        assertRuntimeError(try backprop("train", "--data", path, "--label", "species"), "error: \(path): no column named 'species' (columns: a, b, label)")
        assertRuntimeError(try backprop("train", "--data", path, "--label", "7"), "error: \(path): column index 7 is out of range (3 columns)")
    }

    func testMissingFileAndSingleClass() throws {
        assertRuntimeError(try backprop("train", "--data", "/nonexistent/d.csv", "--label", "y"), "error: /nonexistent/d.csv: cannot read the file")
        let path = try file("one.csv", "a,label\n1,x\n2,x\n")
        assertRuntimeError(try backprop("train", "--data", path, "--label", "label"), "at least 2 are needed")
    }

    // MARK: Commands

    func testTrainSavePredictPlotAndGraph() throws {
        let path = try file("sep.csv", separableCSV())
        let train = try backprop("train", "--data", path, "--label", "label", "--hidden", "4", "--epochs", "30",
                            "--seed", "3", "--save", "model.json", "--plot", "curves.svg", "--graph", "step.dot")
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.contains("epoch 30/30"), train.stdout)
        XCTAssertFalse(train.stdout.contains("\r"), "no live line when stdout is not a terminal")
        XCTAssertTrue(train.stdout.contains("validation accuracy: 1.0000"), train.stdout)
        let svg = try String(contentsOf: directory.appendingPathComponent("curves.svg"), encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg") && svg.contains("<polyline") && svg.contains("validation"))
        let dot = try String(contentsOf: directory.appendingPathComponent("step.dot"), encoding: .utf8)
        XCTAssertTrue(dot.contains("digraph") && dot.contains("dense") && dot.contains("crossEntropy"), dot)

        let predict = try backprop("predict", "--model", "model.json", "--data", path)
        XCTAssertEqual(predict.status, 0, predict.stderr)
        XCTAssertTrue(predict.stdout.hasPrefix("row,predicted,actual\n1,yes,yes\n"), predict.stdout)
        XCTAssertTrue(predict.stdout.contains("accuracy: 1.0000 (60 of 60)"), predict.stdout)

        // Without the label column: predictions only.
        let unlabeled = try file("new.csv", "f2,f1\n0,3\n0.5,-2.5\n")
        let plain = try backprop("predict", "--model", "model.json", "--data", unlabeled)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(plain.stdout, "row,predicted\n1,yes\n2,no\n")
    }

    func testTrainModesAndOptions() throws {
        let path = try file("sep.csv", separableCSV(rows: 40))
        for extra in [["--batch-size", "1", "--optimizer", "sgd", "--loss", "mean-half-se"],
                      ["--batch-size", "0", "--optimizer", "sgd", "--momentum", "0.9", "--loss", "mse"],
                      ["--loss", "bce", "--activation", "tanh", "--normalize", "zscore", "--patience", "3"],
                      ["--dropout", "0.2", "--hidden", "8,8", "--weight-decay", "0.001", "--validation", "0"]] {
            let result = try backprop(["train", "--data", path, "--label", "-1", "--epochs", "20", "--quiet"] + extra)
            XCTAssertEqual(result.status, 0, "\(extra): \(result.stderr)")
            XCTAssertTrue(result.stdout.contains(extra.contains("--validation") ? "training accuracy:" : "validation accuracy:"), result.stdout)
            XCTAssertFalse(result.stdout.contains("epoch "), "--quiet prints no progress")
        }
    }

    /// `--loss half-se` is an alias of `mean-half-se`: the run names and saves the loss as
    /// `mean-half-squared-error`, and `predict` reads a model that stores the alias
    /// `half-squared-error`.
    func testOldLossSpellingsStillWork() throws {
        let path = try file("sep.csv", separableCSV(rows: 40))
        let train = try backprop("train", "--data", path, "--label", "label", "--epochs", "20", "--seed", "2",
                                 "--loss", "half-se", "--save", "model.json")
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.contains("loss mean-half-squared-error,"), train.stdout)
        let model = directory.appendingPathComponent("model.json")
        let saved = try String(contentsOf: model, encoding: .utf8)
        XCTAssertTrue(saved.contains("\"mean-half-squared-error\""), saved)
        XCTAssertFalse(saved.contains("\"half-squared-error\""), saved)
        let new = try backprop("predict", "--model", "model.json", "--data", path)
        XCTAssertEqual(new.status, 0, new.stderr)
        try Data(saved.replacingOccurrences(of: "\"mean-half-squared-error\"", with: "\"half-squared-error\"").utf8)
            .write(to: model)
        let old = try backprop("predict", "--model", "model.json", "--data", path)
        XCTAssertEqual(old.status, 0, old.stderr)
        XCTAssertEqual(old.stdout, new.stdout)
    }

    func testGradientNormsShowVanishingGradients() throws {
        let path = try file("sep.csv", separableCSV(rows: 40))
        let result = try backprop("train", "--data", path, "--label", "label", "--hidden", "6,6,6,6,6,6",
                                  "--activation", "sigmoid", "--loss", "mean-half-se", "--optimizer", "sgd",
                                  "--epochs", "2", "--gradient-norms", "--quiet")
        XCTAssertEqual(result.status, 0, result.stderr)
        let norms = result.stdout.split(separator: "\n").filter { $0.hasPrefix("  layer ") }
            .compactMap { Double($0.split(separator: " ").last!) }
        XCTAssertEqual(norms.count, 7, result.stdout)
        XCTAssertLessThan(norms.first!, norms.last! / 100, result.stdout)
    }

    func testPredictErrors() throws {
        let bad = try file("bad.json", "{\"formatVersion\": 2}")
        let data = try file("d.csv", "a,b\n1,2\n")
        assertRuntimeError(try backprop("predict", "--model", bad, "--data", data), "checkpoint format version 2 is not supported")
        let path = try file("sep.csv", separableCSV(rows: 20))
        XCTAssertEqual(try backprop("train", "--data", path, "--label", "label", "--epochs", "2", "--quiet", "--save", "m.json").status, 0)
        assertRuntimeError(try backprop("predict", "--model", "m.json", "--data", data), "the model reads column 'f1', which the file lacks")
    }

    func testIrisXorAndDigitsRun() throws {
        let iris = try backprop("iris", "--epochs", "20", "--seed", "1")
        XCTAssertEqual(iris.status, 0, iris.stderr)
        XCTAssertTrue(iris.stdout.contains("seed 1"), iris.stdout)
        XCTAssertTrue(iris.stdout.contains("epoch 20/20"), iris.stdout)
        XCTAssertTrue(iris.stdout.contains("final validation accuracy: "), iris.stdout)

        let xor = try backprop("xor")
        XCTAssertEqual(xor.status, 0, xor.stderr)
        XCTAssertTrue(xor.stdout.contains("4 of 4 correct"), xor.stdout)
        XCTAssertTrue(xor.stdout.contains(" 1   1 | 0.0"), xor.stdout)

        let digits = try backprop("digits", "--epochs", "1", "--hidden", "16", "--quiet")
        XCTAssertEqual(digits.status, 0, digits.stderr)
        XCTAssertTrue(digits.stdout.hasPrefix("test accuracy: "), digits.stdout)

        let cnn = try backprop("digits", "--model", "cnn", "--epochs", "1")
        XCTAssertEqual(cnn.status, 0, cnn.stderr)
        XCTAssertTrue(cnn.stdout.contains("digits: [1, 8, 8] -> conv 3x3 16 relu"), cnn.stdout)
        XCTAssertTrue(cnn.stdout.contains("Adam lr 0.001, batch 32, 1 epochs"), cnn.stdout)
        XCTAssertTrue(cnn.stdout.contains("test accuracy: "), cnn.stdout)
        let badModel = try backprop("digits", "--model", "rnn")
        XCTAssertEqual(badModel.status, 2)
        XCTAssertTrue(badModel.stderr.contains("option '--model': 'rnn' is not mlp, cnn, lstm or gru"), badModel.stderr)
        let hiddenCNN = try backprop("digits", "--model", "cnn", "--hidden", "8")
        XCTAssertEqual(hiddenCNN.status, 2)
        XCTAssertTrue(hiddenCNN.stderr.contains("option '--hidden' applies to --model mlp only"), hiddenCNN.stderr)
    }
}
