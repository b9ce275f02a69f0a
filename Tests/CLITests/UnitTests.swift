@testable import backprop
import BackpropNN
import XCTest

/// The command line's parts tested in-process: the parser, progress lines, the chart.
final class ArgumentParserTests: XCTestCase {
    let spec = CommandSpec(name: "demo", summary: "A demo.", options: [
        .value("data", "FILE", "Input.", required: true), .value("lr", "RATE", "Rate."),
        .value("hidden", "SIZES", "Sizes."), .flag("quiet", "Quiet."),
    ])

    func testParsesValuesFlagsAndInlineValues() throws {
        let parsed = try ParsedArguments(["--data", "x.csv", "--lr=0.5", "--quiet", "--hidden", "16,8"], spec: spec)
        XCTAssertEqual(parsed.string("data"), "x.csv")
        XCTAssertEqual(try parsed.double("lr", default: 1, range: 0...1), 0.5)
        XCTAssertEqual(try parsed.intList("hidden", default: []), [16, 8])
        XCTAssertTrue(parsed.flag("quiet"))
        XCTAssertEqual(try parsed.int("epochs", default: 7), 7)
        XCTAssertTrue(try ParsedArguments(["--help"], spec: spec).wantsHelp, "help needs no required option")
    }

    func testRejectsWithMessagesNamingTheOption() {
        func message(_ arguments: [String]) -> String? {
            do { _ = try ParsedArguments(arguments, spec: spec); return nil } catch { return (error as? UsageError)?.message }
        }
        XCTAssertEqual(message(["--lr", "1"]), "missing required option '--data'")
        XCTAssertEqual(message(["--data"]), "option '--data' needs a value (FILE)")
        XCTAssertEqual(message(["--data", "--quiet"]), "option '--data' needs a value (FILE)")
        XCTAssertEqual(message(["--data", "a", "--nope"]), "unknown option '--nope'")
        XCTAssertEqual(message(["--data", "a", "-x"]), "unexpected argument '-x'")
        XCTAssertEqual(message(["--data", "a", "--quiet", "--quiet"]), "option '--quiet' is given more than once")
        let parsed = try? ParsedArguments(["--data", "a", "--lr", "2", "--hidden", "0,3"], spec: spec)
        XCTAssertThrowsError(try parsed!.double("lr", default: 1, range: 0...1)) { error in
            XCTAssertEqual((error as? UsageError)?.message, "option '--lr': 2 is out of range 0.0...1.0")
        }
        XCTAssertThrowsError(try parsed!.intList("hidden", default: []))
    }

    func testUsageListsEveryOption() {
        let usage = spec.usage
        XCTAssertTrue(usage.hasPrefix("usage: backprop demo --data FILE [--lr RATE] [--hidden SIZES] [--quiet]"), usage)
        for name in ["--data FILE", "--lr RATE", "--quiet", "--help"] { XCTAssertTrue(usage.contains("  \(name)"), name) }
    }
}

final class ProgressAndChartTests: XCTestCase {
    let record = EpochRecord(epoch: 5, trainingLoss: 0.123456, trainingAccuracy: 0.9, validationLoss: 0.2,
                             validationAccuracy: 0.85, learningRate: 0.1, seconds: 0.5, gradientNorms: [])

    func testProgressLine() {
        XCTAssertEqual(Progress.line(record, epochs: 20, elapsed: 2.5),
                       "epoch  5/20  loss 0.1235  acc 0.900  val_loss 0.2000  val_acc 0.850  2.5s  ETA 7.5s")
        XCTAssertEqual(Progress.defaultInterval(300), 50)
        XCTAssertEqual(Progress.defaultInterval(7), 1)
        XCTAssertEqual(duration(125), "2m05s")
    }

    func testNiceTicksCoverTheRange() {
        XCTAssertEqual(SVGChart.niceTicks(low: 0, high: 300, count: 6), [0, 50, 100, 150, 200, 250, 300])
        XCTAssertEqual(SVGChart.niceTicks(low: 0.2, high: 1, count: 5).map { ($0 * 10).rounded() }, [2, 4, 6, 8, 10])
        let ticks = SVGChart.niceTicks(low: 0, high: 1.07, count: 5)
        XCTAssertLessThanOrEqual(ticks.first!, 0)
        XCTAssertGreaterThanOrEqual(ticks.last!, 1.07)
    }

    func testChartHasTitleAxesLegendAndBothSeries() {
        var history = History(parameterNames: [])
        for e in 1...10 {
            var r = record
            r.epoch = e
            r.trainingLoss = 1 / Double(e)
            history.epochs.append(r)
        }
        let svg = SVGChart.learningCurves(history, title: "Demo & <test>")
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.contains("Demo &amp; &lt;test&gt;"))
        for text in [">Loss<", ">Accuracy<", ">epoch<", ">mean loss<", ">training<", ">validation<"] {
            XCTAssertTrue(svg.contains(text), text)
        }
        XCTAssertEqual(svg.components(separatedBy: "<polyline points=\"").count - 1, 2 + 4, "2 axes frames + 4 series")
    }
}

/// The regression figures `train`, `predict` and `evaluate` print, against sums written
/// out by hand.
final class RegressionSummaryTests: XCTestCase {
    func testMeanSquaredErrorRootAndRSquared() {
        // One target: actual 1, 2, 3, 4 (mean 2.5, total sum of squares 5), predicted off by
        // 0.5, −0.5, 0, 1 (residual sum 1.5).
        let one = RegressionMetrics(predicted: [1.5, 1.5, 3, 5], actual: [1, 2, 3, 4], columns: 1)
        XCTAssertEqual(one.meanSquaredError, 1.5 / 4, accuracy: 1e-15)
        XCTAssertEqual(one.rootMeanSquaredError, (1.5 / 4).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(one.rSquared, 1 - 1.5 / 5, accuracy: 1e-15)
        // Two targets, row-major: R² is the mean of each target's; a constant target
        // predicted exactly scores 1, predicted wrongly 0.
        let two = RegressionMetrics(predicted: [1, 7, 2, 7], actual: [1, 7, 3, 7], columns: 2)
        XCTAssertEqual(two.meanSquaredError, 1.0 / 4, accuracy: 1e-15)
        XCTAssertEqual(two.rSquared, ((1 - 1 / 2.0) + 1) / 2, accuracy: 1e-15)
        XCTAssertEqual(RegressionMetrics(predicted: [6, 7], actual: [7, 7], columns: 1).rSquared, 0)
        XCTAssertEqual(one.summary, "MSE 0.3750  RMSE 0.6124  R² 0.7000")
    }

    func testCSVFieldsAreQuotedWhenTheyMustBe() {
        XCTAssertEqual(csvField("plain"), "plain")
        XCTAssertEqual(csvField("a,b"), "\"a,b\"")
        XCTAssertEqual(csvField("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(csvField(" padded"), "\" padded\"")
        XCTAssertEqual(csvField("two\nlines"), "\"two\nlines\"")
    }
}
