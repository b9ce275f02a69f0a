import Backprop
import BackpropTesting
import XCTest

final class ReductionsTests: XCTestCase {
    private func random(_ shape: [Int], seed: UInt64 = 1) -> Tensor<Double> {
        var generator = SeededGenerator(seed: seed)
        return Tensor.uniform(shape, in: -1..<1, using: &generator)
    }

    func testSumAndMeanOfAllElements() {
        for shape in [[], [4], [2, 3], [2, 3, 4]] as [[Int]] {
            assertGradientsMatch(at: [random(shape)]) { $0[0].sum() }
            assertGradientsMatch(at: [random(shape)]) { $0[0].mean() }
        }
    }

    func testSumAndMeanAlongEachAxis() {
        let shape = [2, 3, 4]
        for axis in -3..<3 {
            for keep in [false, true] {
                assertGradientsMatch(at: [random(shape)], "axis \(axis) keep \(keep)") {
                    $0[0].sum(alongAxis: axis, keepingDimension: keep)
                }
                assertGradientsMatch(at: [random(shape)], "axis \(axis) keep \(keep)") {
                    $0[0].mean(alongAxis: axis, keepingDimension: keep)
                }
            }
        }
    }

    func testValues() {
        let x = Variable(Tensor<Double>([[1, 2], [3, 4]]))
        XCTAssertEqual(x.sum().value, Tensor(10))
        XCTAssertEqual(x.mean().value, Tensor(2.5))
        XCTAssertEqual(x.sum(alongAxis: 0).value, [4, 6])
        XCTAssertEqual(x.sum(alongAxis: 1, keepingDimension: true).value, [[3], [7]])
        XCTAssertEqual(x.mean(alongAxis: -1).value, [1.5, 3.5])
    }

    func testAxisOutOfRangeMessage() {
        XCTAssertEqual(
            Shapes.normalizedAxis(2, rank: 2, op: "sum"),
            .failure(.init("sum: axis 2 is out of range for rank 2")))
        XCTAssertEqual(try Shapes.normalizedAxis(-1, rank: 3, op: "sum").get(), 2)
    }
}
