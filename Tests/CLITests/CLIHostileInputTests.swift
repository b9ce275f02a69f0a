import Foundation
import XCTest

/// Files and numbers that overflow, odd paths and huge fields: each is an error (exit 1,
/// the message on stderr) that says where the problem is, and nothing is written from a
/// model that went wrong; pipes, FIFOs and `-` are read as standard input.
extension CLITests {
    /// A checkpoint trained on `sep.csv` (2 features, classes no/yes), as JSON to edit.
    private func trainedCheckpoint(_ data: String) throws -> [String: Any] {
        let result = try backprop(["train", "--data", data, "--label", "label", "--epochs", "2", "--quiet", "--save", "base.json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let bytes = try Data(contentsOf: directory.appendingPathComponent("base.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: bytes) as? [String: Any])
    }

    /// Writes `checkpoint` with `edit` applied; returns the path.
    private func editedCheckpoint(_ checkpoint: [String: Any], name: String,
                                  _ edit: (inout [String: Any]) -> Void) throws -> String {
        var copy = checkpoint
        edit(&copy)
        let url = directory.appendingPathComponent(name)
        try JSONSerialization.data(withJSONObject: copy).write(to: url)
        return url.path
    }

    func testCheckpointWeightsThatOverflowFloatAreAnErrorNamingTheRow() throws {
        // Fixed rows: the first one's features lie far above the means, so that a layer of
        // 3e38 weights overflows on it whatever the trained biases (random rows made the
        // first non-finite row vary from run to run).
        let rows = (1..<20).map { $0 % 2 == 0 ? "3,0,yes" : "-3,0,no" }
        let data = try file("sep.csv", (["f1,f2,label", "5,1,yes"] + rows).joined(separator: "\n") + "\n")
        let checkpoint = try trainedCheckpoint(data)
        // 3e38 is a finite Float, but a dense layer of such weights overflows.
        let model = try editedCheckpoint(checkpoint, name: "huge-weights.json") { c in
            var parameters = c["parameters"] as! [[String: Any]]
            let count = (parameters[0]["values"] as! [Double]).count
            parameters[0]["values"] = [Double](repeating: 3e38, count: count)
            c["parameters"] = parameters
        }
        let result = try backprop(["predict", "--model", model, "--data", data])
        assertRuntimeError(result, "error: \(model): the model's output for \(data):2 (row 1) is")
        XCTAssertTrue(result.stderr.contains("not a finite number"), result.stderr)
        XCTAssertFalse(result.stdout.contains("accuracy"), "no accuracy from NaN outputs: \(result.stdout)")
    }

    func testCheckpointNormalizerThatOverflowsOrIsUnsoundIsAnError() throws {
        let data = try file("sep.csv", separableCSV(rows: 20))
        let checkpoint = try trainedCheckpoint(data)
        func withScales(_ name: String, _ scales: [Double]) throws -> String {
            try editedCheckpoint(checkpoint, name: name) { c in
                var normalizer = c["normalizer"] as! [String: Any]
                normalizer["scales"] = scales
                c["normalizer"] = normalizer
            }
        }
        // Finite, but every rescaled feature is beyond Float's range.
        let huge = try withScales("huge-scales.json", [1e300, 1e300])
        let overflow = try backprop(["predict", "--model", huge, "--data", data])
        assertRuntimeError(overflow, "error: \(data):2: column 1 ('f1'): ")
        XCTAssertTrue(overflow.stderr.contains("after the min-max normalisation (saved in \(huge)), which is not a finite Float"),
                      overflow.stderr)
        XCTAssertFalse(overflow.stdout.contains("accuracy"), overflow.stdout)
        // A negative scale is rejected when the checkpoint is read.
        let negative = try withScales("negative-scale.json", [0.5, -2])
        assertRuntimeError(try backprop(["predict", "--model", negative, "--data", data]),
                           "error: \(negative): not a Backprop checkpoint: column 2: the scale -2.0 is negative at .normalizer.scales")
    }

    func testCheckpointWithAnUnsupportedScalarTypeOrNoLayersIsRejected() throws {
        let data = try file("sep.csv", separableCSV(rows: 20))
        let checkpoint = try trainedCheckpoint(data)
        let int8 = try editedCheckpoint(checkpoint, name: "int8.json") { $0["scalarType"] = "Int8" }
        assertRuntimeError(try backprop(["predict", "--model", int8, "--data", data]),
                           "error: \(int8): not a Backprop checkpoint: scalar type 'Int8' is not supported (Float or Double)")
        let empty = try editedCheckpoint(checkpoint, name: "no-layers.json") { $0["layers"] = [Any]() }
        assertRuntimeError(try backprop(["predict", "--model", empty, "--data", data]),
                           "error: \(empty): not a Backprop checkpoint: the layer list is empty")
    }

    /// 1e39 (beyond Float) unnormalised, and ±1.5e308 (whose range overflows Double) under
    /// min-max and z-score: each is an error naming the file, line and column (or the
    /// column whose scaling cannot be fitted), before training; the existing checkpoint
    /// stays as it was.
    func testFeaturesThatOverflowAreAnErrorAndNothingIsSaved() throws {
        let good = try file("sep.csv", separableCSV(rows: 20))
        XCTAssertEqual(try backprop(["train", "--data", good, "--label", "label", "--epochs", "2", "--quiet", "--save", "model.json"]).status, 0)
        let saved = directory.appendingPathComponent("model.json")
        let before = try Data(contentsOf: saved)
        var lines = separableCSV(rows: 20).split(separator: "\n").map(String.init)
        lines[3] = "1e39,0.5,yes"
        let big = try file("big.csv", lines.joined(separator: "\n") + "\n")
        lines[3] = "1.5e308,0.5,yes"
        lines[4] = "-1.5e308,0.5,no"
        let huge = try file("huge.csv", lines.joined(separator: "\n") + "\n")
        let cases: [(data: String, normalize: String, message: String)] = [
            (big, "none", "error: \(big):4: column 1 ('f1'): 1e+39 is beyond the range of Float (±3.4e38)"),
            (huge, "none", "error: \(huge):4: column 1 ('f1'): 1.5e+308 is beyond the range of Float"),
            (huge, "minmax", "error: \(huge):4: column 1 ('f1'): 1.5e+308 becomes"),
            (huge, "zscore", "error: \(huge): column 1 ('f1'): cannot normalise (--normalize zscore, fitted on the training rows)"),
        ]
        for (data, normalize, message) in cases {
            // Every row trains (no validation rows), so the normaliser is fitted on both extremes.
            let result = try backprop(["train", "--data", data, "--label", "label", "--normalize", normalize, "--epochs", "2",
                                       "--validation", "0", "--save", "model.json"])
            assertRuntimeError(result, message)
            XCTAssertFalse(result.stdout.contains("epoch"), "\(normalize): it failed before training: \(result.stdout)")
            XCTAssertFalse(result.stderr.contains("EncodingError"), result.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: saved), before, "the existing checkpoint is byte for byte unchanged")
    }

    /// Features that fit Float but overflow in the first layer: the loss is NaN in epoch 1,
    /// training stops there with an error naming the epoch, and nothing is saved.
    func testTrainingThatDivergesStopsWithAnErrorAndSavesNothing() throws {
        var lines = separableCSV(rows: 20).split(separator: "\n").map(String.init)
        lines[3] = "3e38,3e38,yes"
        let data = try file("overflow.csv", lines.joined(separator: "\n") + "\n")
        let result = try backprop(["train", "--data", data, "--label", "label", "--normalize", "none", "--epochs", "50",
                                   "--save", "model.json", "--plot", "curves.svg"])
        assertRuntimeError(result, "error: training diverged in epoch 1: the training loss is ")
        XCTAssertTrue(result.stderr.contains("nothing was saved"), result.stderr)
        XCTAssertFalse(result.stdout.contains("epoch 2/"), "training stopped in the epoch it diverged: \(result.stdout)")
        XCTAssertFalse(result.stdout.contains("training accuracy"), result.stdout)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertEqual(files, ["overflow.csv"], "no checkpoint, chart or temporary file is written")
    }

    func testDirectoriesSymlinkLoopsAndEndlessDevicesAreNamed() throws {
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: directory.appendingPathComponent("loop-a").path, withDestinationPath: "loop-b")
        try fm.createSymbolicLink(atPath: directory.appendingPathComponent("loop-b").path, withDestinationPath: "loop-a")
        let data = try file("sep.csv", separableCSV(rows: 20))
        let cases: [([String], String)] = [
            (["train", "--data", directory.path, "--label", "y"], "error: \(directory.path): cannot read the file: it is a directory"),
            (["train", "--data", "loop-a", "--label", "y"], "error: loop-a: cannot read the file: it is a symlink loop"),
            (["predict", "--model", "loop-b", "--data", data], "error: loop-b: cannot read the file: it is a symlink loop"),
            (["predict", "--model", directory.path, "--data", data], "error: \(directory.path): cannot read the file: it is a directory"),
            (["train", "--data", "/dev/zero", "--label", "y"],
             "error: /dev/zero: cannot read the file: it goes on past 256 MiB (268435456 bytes), the most read from one input"),
        ]
        for (arguments, message) in cases {
            let result = try backprop(arguments)
            assertRuntimeError(result, message)
            XCTAssertFalse(result.stderr.contains("error 256"), result.stderr)
        }
    }

    func testStandardInputPipesAndFIFOsAreRead() throws {
        let csv = separableCSV(rows: 20)
        let data = try file("sep.csv", csv)
        let train = ["train", "--label", "label", "--epochs", "2", "--quiet"]
        for source in ["-", "/dev/stdin"] {
            let result = try backprop(train + ["--data", source, "--save", "m.json"], input: Data(csv.utf8))
            XCTAssertEqual(result.status, 0, "\(source): \(result.stderr)")
            XCTAssertTrue(result.stdout.contains("validation accuracy"), result.stdout)
        }
        let model = try Data(contentsOf: directory.appendingPathComponent("m.json"))
        let fromPipe = try backprop(["predict", "--model", "-", "--data", data, "--quiet"], input: model)
        XCTAssertEqual(fromPipe.status, 0, fromPipe.stderr)
        XCTAssertTrue(fromPipe.stdout.contains("of 20)"), fromPipe.stdout)
        let dataFromPipe = try backprop(["predict", "--model", "m.json", "--data", "-", "--quiet"], input: Data(csv.utf8))
        XCTAssertEqual(dataFromPipe.status, 0, dataFromPipe.stderr)
        XCTAssertTrue(dataFromPipe.stdout.contains("of 20)"), dataFromPipe.stdout)
        // Errors in standard input name it <stdin>.
        let bad = try backprop(train + ["--data", "-"], input: Data("a,label\n1,x\noops,y\n".utf8))
        assertRuntimeError(bad, "error: <stdin>:3: column 1 ('a'): 'oops' is not a number")
        assertUsageError(try backprop(["predict", "--model", "-", "--data", "-"], input: Data()),
                         "options '--model' and '--data' cannot both be - (standard input)", command: "predict")
        // A FIFO, fed by another thread.
        let fifo = directory.appendingPathComponent("data.fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data(csv.utf8))
                try? handle.close()
            }
        }
        writer.start()
        let fromFIFO = try backprop(train + ["--data", fifo])
        XCTAssertEqual(fromFIFO.status, 0, fromFIFO.stderr)
        XCTAssertTrue(fromFIFO.stdout.contains("validation accuracy"), fromFIFO.stdout)
    }

    /// A megabyte-long bad field, label and option value are quoted by their first 40
    /// characters and the count of the rest.
    func testHugeFieldsAreCutInMessages() throws {
        let field = String(repeating: "x", count: 1_000_000)
        let data = try file("huge-field.csv", "a,b,label\n1,\(field),yes\n2,3,no\n")
        let result = try backprop(["train", "--data", data, "--label", "label"])
        assertRuntimeError(result, "error: \(data):2: column 2 ('b'): '\(String(repeating: "x", count: 40))…(999960 more characters)' is not a number")
        XCTAssertLessThan(result.stderr.utf8.count, 300, "the field is not echoed whole")
        let column = try backprop(["train", "--data", data, "--label", String(repeating: "y", count: 100_000)])
        assertRuntimeError(column, "no column named '\(String(repeating: "y", count: 40))…(99960 more characters)'")
        XCTAssertLessThan(column.stderr.utf8.count, 400, column.stderr)
        let option = try backprop(["train", "--data", data, "--label", "label", "--epochs", String(repeating: "9", count: 100_000) + "x"])
        assertUsageError(option, "option '--epochs': '\(String(repeating: "9", count: 40))…(99961 more characters)' is not an integer",
                         command: "train")
    }
}
