import Foundation
import XCTest

/// The data commands on CSV files as they come: regression end to end, delimiters,
/// categorical and missing values, chosen and unnamed columns, held-out test data, split
/// files, `evaluate` and `predict --output`.
extension CLITests {
    /// y = 3·x1 − 2·x2 + 50 on a grid (no noise), the targets in the hundreds.
    func regressionCSV(rows: Int = 120, delimiter: String = ",") -> (text: String, x: [[Double]], y: [Double]) {
        var lines = ["x1", "x2", "y"].joined(separator: delimiter) + "\n"
        var xs: [[Double]] = [], ys: [Double] = []
        for i in 0..<rows {
            let x1 = Double(i % 12) * 10, x2 = Double(i / 12) * 10
            let y = 3 * x1 - 2 * x2 + 50
            xs.append([x1, x2])
            ys.append(y)
            lines += [x1, x2, y].map { "\($0)" }.joined(separator: delimiter) + "\n"
        }
        return (lines, xs, ys)
    }

    /// The number after `key ` in the output.
    func figure(_ key: String, in text: String, after prefix: String = "") -> Double? {
        let start = prefix.isEmpty ? text.startIndex : (text.range(of: prefix)?.upperBound ?? text.endIndex)
        guard let range = text.range(of: key + " ", range: start..<text.endIndex) else { return nil }
        return Double(text[range.upperBound...].prefix { !$0.isWhitespace && $0 != "," })
    }

    func testRegressionTrainsPredictsInTheTargetsUnitsAndEvaluates() throws {
        let (text, _, ys) = regressionCSV()
        let path = try file("reg.csv", text)
        let train = try backprop("train", "--data", path, "--label", "y", "--task", "regression", "--hidden", "none",
                                 "--normalize", "zscore", "--epochs", "300", "--lr", "0.05", "--save", "reg.json")
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.contains("1 target (regression)"), train.stdout)
        XCTAssertTrue(train.stdout.contains("loss mean-squared-error"), train.stdout)
        for split in ["training", "validation"] {
            let r2 = try XCTUnwrap(figure("R²", in: train.stdout, after: split + ": "), train.stdout)
            XCTAssertGreaterThan(r2, 0.99, train.stdout)
        }
        let saved = try String(contentsOf: directory.appendingPathComponent("reg.json"), encoding: .utf8)
        XCTAssertTrue(saved.contains("\"targetNames\""), saved)
        XCTAssertTrue(saved.contains("\"targetNormalizer\""), saved)

        let predict = try backprop("predict", "--model", "reg.json", "--data", path)
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let rows = predict.stdout.split(separator: "\n").filter { $0.first?.isNumber ?? false }
        XCTAssertEqual(rows.count, ys.count, predict.stdout)
        XCTAssertTrue(predict.stdout.hasPrefix("row,predicted,actual\n"), predict.stdout)
        // The predictions are in the targets' units: close to y (range 50…380) itself.
        let predicted = rows.map { Double($0.split(separator: ",")[1])! }
        let actual = rows.map { Double($0.split(separator: ",")[2])! }
        XCTAssertEqual(actual, ys)
        let mse = zip(predicted, ys).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(ys.count)
        XCTAssertLessThan(mse.squareRoot(), 5, predict.stdout)
        let mean = ys.reduce(0, +) / Double(ys.count)
        let r2 = 1 - mse * Double(ys.count) / ys.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)

        let evaluate = try backprop("evaluate", "--model", "reg.json", "--data", path)
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        XCTAssertEqual(try XCTUnwrap(figure("MSE", in: evaluate.stdout)), mse, accuracy: 1e-3 * max(1, mse), evaluate.stdout)
        XCTAssertEqual(try XCTUnwrap(figure("RMSE", in: evaluate.stdout)), mse.squareRoot(), accuracy: 1e-3, evaluate.stdout)
        XCTAssertEqual(try XCTUnwrap(figure("R²", in: evaluate.stdout)), r2, accuracy: 1e-4, evaluate.stdout)
    }

    func testSeveralTargetsAndUsageErrorsOfRegression() throws {
        var text = "a,b,s,d\n"
        for i in 0..<60 { text += "\(i % 7),\(i / 7),\(i % 7 + i / 7),\(i % 7 - i / 7)\n" }
        let path = try file("two.csv", text)
        let train = try backprop("train", "--data", path, "--label", "s,d", "--task", "regression", "--hidden", "none",
                                 "--epochs", "200", "--lr", "0.05", "--save", "two.json", "--quiet")
        XCTAssertEqual(train.status, 0, train.stderr)
        let predict = try backprop("predict", "--model", "two.json", "--data", path)
        XCTAssertTrue(predict.stdout.hasPrefix("row,predicted_s,predicted_d,actual_s,actual_d\n"), predict.stdout)
        assertUsageError(try backprop("train", "--data", path, "--label", "s", "--task", "regression", "--loss", "ce"),
                         "option '--loss': a regression trains with mse (mean squared error), not ce", command: "train")
        assertUsageError(try backprop("train", "--data", path, "--label", "s", "--task", "ranking"),
                         "option '--task': 'ranking' is not one of classification, regression", command: "train")
    }

    func testAContinuousLabelIsRefusedWithAHintToRegress() throws {
        let (text, _, _) = regressionCSV()
        let path = try file("reg.csv", text)
        let refused = try backprop("train", "--data", path, "--label", "y")
        assertUsageError(refused, "the label column 'y' looks continuous", command: "train")
        XCTAssertTrue(refused.stderr.contains("--task regression"), refused.stderr)
        XCTAssertFalse(refused.stdout.contains("confusion"), refused.stdout)
        let forced = try backprop("train", "--data", path, "--label", "y", "--task", "classification", "--epochs", "1", "--quiet")
        XCTAssertEqual(forced.status, 0, forced.stderr)
    }

    func testDelimitersAreSniffedOrGiven() throws {
        let (semicolons, _, _) = regressionCSV(rows: 40, delimiter: ";")
        let path = try file("semi.csv", semicolons)
        let sniffed = try backprop("train", "--data", path, "--label", "y", "--task", "regression", "--epochs", "2", "--quiet")
        XCTAssertEqual(sniffed.status, 0, sniffed.stderr)
        let (tabs, _, _) = regressionCSV(rows: 40, delimiter: "\t")
        let tsv = try file("t.tsv", tabs)
        let given = try backprop("train", "--data", tsv, "--label", "y", "--task", "regression", "--epochs", "2",
                                 "--delimiter", "tab", "--quiet")
        XCTAssertEqual(given.status, 0, given.stderr)
        let wrong = try backprop("train", "--data", tsv, "--label", "y", "--delimiter", ",")
        assertRuntimeError(wrong, "no column named 'y'")
        assertUsageError(try backprop("train", "--data", tsv, "--label", "y", "--delimiter", "ab"),
                         "option '--delimiter': 'ab' is not one character", command: "train")
        assertUsageError(try backprop("predict", "--model", "m.json", "--data", tsv, "--delimiter", "\""),
                         "option '--delimiter'", command: "predict")
    }

    func testCategoricalColumnsAreEncodedAndUnseenCategoriesNamed() throws {
        var text = "size,color,label\n"
        for i in 0..<60 { text += "\(i % 5),\(["red", "green", "blue"][i % 3]),\(i % 3 == 0 ? "warm" : "cool")\n" }
        let path = try file("cat.csv", text)
        let train = try backprop("train", "--data", path, "--label", "label", "--epochs", "150", "--save", "cat.json", "--quiet")
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertEqual(try XCTUnwrap(figure("accuracy:", in: train.stdout, after: "training ")), 1, train.stdout)
        let saved = try String(contentsOf: directory.appendingPathComponent("cat.json"), encoding: .utf8)
        XCTAssertTrue(saved.contains("\"categories\""), saved)
        // Other columns, in another order, are ignored.
        let later = try file("later.csv", "note,label,color,size\nx,warm,red,1\ny,cool,blue,2\n")
        let predict = try backprop("predict", "--model", "cat.json", "--data", later)
        XCTAssertEqual(predict.status, 0, predict.stderr)
        XCTAssertEqual(predict.stdout, "row,predicted,actual\n1,warm,warm\n2,cool,cool\naccuracy: 1.0000 (2 of 2)\n")
        let unseen = try file("unseen.csv", "size,color\n1,red\n2,purple\n")
        assertRuntimeError(try backprop("predict", "--model", "cat.json", "--data", unseen),
                           "error: \(unseen):3: column 2 ('color'): category 'purple' was not seen in training (the model knows blue, green, red)")
    }

    func testMissingValuesFollowThePolicy() throws {
        var text = "a,b,label\n"
        for i in 0..<40 { text += (i == 5 ? "" : "\(i % 4)") + ",\(i == 9 ? "NA" : "\(i % 2)"),\(i % 2 == 0 ? "even" : "odd")\n" }
        let path = try file("miss.csv", text)
        assertRuntimeError(try backprop("train", "--data", path, "--label", "label"),
                           "error: \(path):7: column 1 ('a'): the field is empty, expected a number")
        let dropped = try backprop("train", "--data", path, "--label", "label", "--missing", "drop", "--epochs", "2")
        XCTAssertEqual(dropped.status, 0, dropped.stderr)
        XCTAssertTrue(dropped.stdout.contains("38 rows"), dropped.stdout)
        let mean = try backprop("train", "--data", path, "--label", "label", "--missing", "mean", "--epochs", "2",
                                "--save", "mean.json", "--quiet")
        XCTAssertEqual(mean.status, 0, mean.stderr)
        let saved = try String(contentsOf: directory.appendingPathComponent("mean.json"), encoding: .utf8)
        XCTAssertTrue(saved.contains("\"missingValueFills\""), saved)
        let holes = try file("holes.csv", "a,b\n,1\n2,\n")
        let predict = try backprop("predict", "--model", "mean.json", "--data", holes)
        XCTAssertEqual(predict.status, 0, predict.stderr)
        XCTAssertEqual(predict.stdout.split(separator: "\n").count, 3, predict.stdout)
        assertUsageError(try backprop("train", "--data", path, "--label", "label", "--missing", "zero"),
                         "option '--missing': 'zero' is not one of error, drop, mean", command: "train")
    }

    func testChosenDroppedAndUnnamedColumnsAndEmptyLabels() throws {
        var text = ",f1,f2,junk,label\n"
        for i in 0..<40 { text += "\(i),\(i % 2 == 0 ? 3 : -3),\(i % 3),zzz\(i),\(i % 2 == 0 ? "yes" : "no")\n" }
        let path = try file("idx.csv", text)
        let run = try backprop("train", "--data", path, "--label", "label", "--drop", "junk", "--epochs", "2", "--save", "idx.json")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("notice: \(path): column 1 has no name (a pandas index?); it is not used"), run.stderr)
        XCTAssertTrue(run.stdout.contains("2 features"), run.stdout)
        let saved = try String(contentsOf: directory.appendingPathComponent("idx.json"), encoding: .utf8)
        XCTAssertTrue(saved.contains("\"featureNames\" : [\n    \"f1\",\n    \"f2\"\n  ]"), saved)
        let chosen = try backprop("train", "--data", path, "--label", "label", "--features", "f2", "--epochs", "2")
        XCTAssertEqual(chosen.status, 0, chosen.stderr)
        XCTAssertTrue(chosen.stdout.contains("1 features"), chosen.stdout)
        XCTAssertFalse(chosen.stderr.contains("notice"), chosen.stderr)
        let empty = try file("empty-label.csv", "a,label\n1,x\n2,\n3,y\n")
        assertRuntimeError(try backprop("train", "--data", empty, "--label", "label"),
                           "error: \(empty):3: column 2 ('label'): the label is empty")
    }

    func testTestFractionSplitFilesAndEvaluate() throws {
        let path = try file("sep.csv", separableCSV(rows: 100))
        let splits = directory.appendingPathComponent("splits")  // made by train
        let train = try backprop("train", "--data", path, "--label", "label", "--test-fraction", "0.2", "--epochs", "20",
                                 "--save-split", splits.path, "--save", "m.json")
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.contains("60 training / 20 validation / 20 test rows"), train.stdout)
        XCTAssertTrue(train.stdout.contains("test accuracy: "), train.stdout)
        XCTAssertTrue(train.stdout.contains("test confusion matrix"), train.stdout)
        let original = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        var union: [Substring] = []
        for (name, count) in [("train", 60), ("validation", 20), ("test", 20)] {
            let lines = try String(contentsOf: splits.appendingPathComponent("\(name).csv"), encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.first, original.first, name)
            XCTAssertEqual(lines.count - 1, count, name)
            union += lines.dropFirst()
        }
        XCTAssertEqual(union.sorted(), original.dropFirst().sorted(), "the split files hold every row once")

        let test = splits.appendingPathComponent("test.csv").path
        let evaluate = try backprop("evaluate", "--model", "m.json", "--data", test)
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        let trainTest = try XCTUnwrap(figure("accuracy:", in: train.stdout, after: "test "))
        XCTAssertEqual(try XCTUnwrap(figure("accuracy:", in: evaluate.stdout)), trainTest, "evaluate scores the test split as train did")
        XCTAssertTrue(evaluate.stdout.contains("confusion matrix (rows: actual class, columns: predicted class)"), evaluate.stdout)
        XCTAssertTrue(evaluate.stdout.contains("class  precision  recall   rows"), evaluate.stdout)
        let unlabeled = try file("u.csv", "f1,f2\n1,2\n")
        assertRuntimeError(try backprop("evaluate", "--model", "m.json", "--data", unlabeled), "the file has no label column 'label' to score against")
        assertUsageError(try backprop("train", "--data", path, "--label", "label", "--validation", "0.5", "--test-fraction", "0.5"),
                         "options '--validation' and '--test-fraction' leave no rows for training", command: "train")
        assertUsageError(try backprop("evaluate", "--model", "m.json"), "missing required option '--data'", command: "evaluate")
    }

    func testPredictWritesTheOutputFile() throws {
        let path = try file("sep.csv", separableCSV(rows: 30))
        XCTAssertEqual(try backprop("train", "--data", path, "--label", "label", "--epochs", "5", "--quiet", "--save", "m.json").status, 0)
        let printed = try backprop("predict", "--model", "m.json", "--data", path)
        let written = try backprop("predict", "--model", "m.json", "--data", path, "--output", "out.csv")
        XCTAssertEqual(written.status, 0, written.stderr)
        let text = try String(contentsOf: directory.appendingPathComponent("out.csv"), encoding: .utf8)
        XCTAssertTrue(printed.stdout.hasPrefix(text), "the file holds what predict prints")
        XCTAssertTrue(written.stdout.hasPrefix("wrote 30 predictions to out.csv\naccuracy: "), written.stdout)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("out.csv") }
        XCTAssertEqual(leftovers, ["out.csv"])
        assertRuntimeError(try backprop("predict", "--model", "m.json", "--data", path, "--output", directory.path),
                           "cannot write the predictions: it is a directory")
    }

    func testLargeFilesShowProgressOnStandardError() throws {
        let pair = "0.142857,0.333333,0\n0.285714,0.666667,1\n"
        let pairs = 4_300_000 / pair.utf8.count + 1
        let text = "a,b,label\n" + String(repeating: pair, count: pairs)
        let i = 2 * pairs
        let path = try file("big.csv", text)
        let run = try backprop("train", "--data", path, "--label", "label", "--epochs", "1", "--hidden", "none", "--batch-size", "0")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("reading \(path) (\(String(format: "%.1f", Double(text.utf8.count) / 1e6)) MB)…"), run.stderr)
        XCTAssertTrue(run.stderr.contains("read \(path): \(i) rows, 3 columns in "), run.stderr)
        let quiet = try backprop("train", "--data", path, "--label", "label", "--epochs", "1", "--hidden", "none",
                                 "--batch-size", "0", "--quiet")
        XCTAssertEqual(quiet.stderr, "")
    }
}
