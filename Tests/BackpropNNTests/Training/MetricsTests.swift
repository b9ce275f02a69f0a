import Backprop
import BackpropNN
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
}
