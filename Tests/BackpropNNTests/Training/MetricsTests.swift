import Backprop
import BackpropNN
import BackpropTesting
import Foundation
import XCTest

final class MetricsTests: XCTestCase {
    func testPredictedClassesTakeTheArgmaxOrThreshold() {
        XCTAssertEqual(predictedClasses(Tensor<Double>([[0.1, 0.7, 0.2], [0.9, 0.0, 0.1], [0, 0, 3]])), [1, 0, 2])
        XCTAssertEqual(predictedClasses(Tensor<Double>([[0.2], [0.6]])), [0, 1])
        XCTAssertEqual(predictedClasses(Tensor<Double>([[-0.2], [0.1]]), threshold: 0), [0, 1])
    }

    func testAccuracy() {
        XCTAssertEqual(accuracy(predicted: [1, 0, 2], labels: [1, 1, 2]), 2.0 / 3)
        XCTAssertEqual(accuracy(predicted: [], labels: []), 0)
    }

    func testConfusionMatrix() {
        let m = ConfusionMatrix(predicted: [0, 1, 1, 2, 2], labels: [0, 1, 0, 2, 1], classCount: 3, classNames: ["a", "b", "c"])
        XCTAssertEqual(m.counts, [[1, 1, 0], [0, 1, 1], [0, 0, 1]])
        XCTAssertEqual(m.total, 5)
        XCTAssertEqual(m.accuracy, 0.6)
        XCTAssertEqual(m.recall, [0.5, 0.5, 1])
        XCTAssertEqual(m.precision, [1, 0.5, 0.5])
        XCTAssertEqual(m.description.split(separator: "\n").count, 4)
        XCTAssertTrue(m.description.contains("a"))
    }

    /// Precision [1, ½, ½] and recall [½, ½, 1] (above) give F1 = 2PR/(P + R) = [⅔, ½, ⅔].
    func testF1PerClassAndMacroAverages() {
        let m = ConfusionMatrix(predicted: [0, 1, 1, 2, 2], labels: [0, 1, 0, 2, 1], classCount: 3)
        let f1 = m.f1
        for (value, expected) in zip(f1, [2.0 / 3, 0.5, 2.0 / 3]) { XCTAssertEqual(value, expected, accuracy: 1e-15) }
        XCTAssertEqual(m.macroPrecision, 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(m.macroRecall, 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(m.macroF1, (2.0 / 3 + 0.5 + 2.0 / 3) / 3, accuracy: 1e-15)
        // A class never predicted and never present scores 0, as scikit-learn's zero_division=0.
        let missing = ConfusionMatrix(predicted: [0, 0], labels: [0, 0], classCount: 2)
        XCTAssertEqual(missing.f1, [1, 0])
        XCTAssertEqual(missing.macroF1, 0.5)
    }

    /// scikit-learn's example: residuals 0.5, 0.5, 0, 1 around targets of mean 2.875.
    func testRegressionMetricsOfOneOutput() {
        let m = RegressionMetrics(predicted: Tensor<Double>([[2.5], [0], [2], [8]]), targets: Tensor([[3], [-0.5], [2], [7]]))
        XCTAssertEqual(m.count, 4)
        XCTAssertEqual(m.meanSquaredError, (0.25 + 0.25 + 0 + 1) / 4, accuracy: 1e-15)
        XCTAssertEqual(m.rootMeanSquaredError, (1.5 / 4).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(m.meanAbsoluteError, 2.0 / 4, accuracy: 1e-15)
        let total = pow(3 - 2.875, 2) + pow(-0.5 - 2.875, 2) + pow(2 - 2.875, 2) + pow(7 - 2.875, 2)
        XCTAssertEqual(m.rSquared, 1 - 1.5 / total, accuracy: 1e-15)
    }

    /// R² per column, averaged; a constant column scores 1 when exact, else 0.
    func testRSquaredAveragesTheColumns() {
        let targets = Tensor<Double>([[0.5, 1, 4], [-1, 1, 4], [7, -6, 4]])
        let predicted = Tensor<Double>([[0, 2, 4], [-1, 2, 4], [8, -5, 4]])
        func r2(_ t: [Double], _ p: [Double]) -> Double {
            let mean = t.reduce(0, +) / Double(t.count)
            let residual = zip(t, p).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
            return 1 - residual / t.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        }
        let first = r2([0.5, -1, 7], [0, -1, 8]), second = r2([1, 1, -6], [2, 2, -5])
        XCTAssertEqual(RegressionMetrics(predicted: predicted, targets: targets).rSquared, (first + second + 1) / 3, accuracy: 1e-15)
        let off = Tensor<Double>([[0, 2, 4], [-1, 2, 4], [8, -5, 5]])
        XCTAssertEqual(RegressionMetrics(predicted: off, targets: targets).rSquared, (first + second + 0) / 3, accuracy: 1e-15)
    }

    func testRegressionMetricsRefuseDifferentShapes() throws {
        try assertStops(withMessageContaining: "RegressionMetrics: predictions [2, 1] and targets [2] must have the same 2-D shape") {
            _ = RegressionMetrics(predicted: Tensor<Double>([[1], [2]]), targets: Tensor([1, 2]))
        }
    }
}
