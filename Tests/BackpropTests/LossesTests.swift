import Backprop
import BackpropTesting
import XCTest

final class LossesTests: XCTestCase {
    func testSquaredErrorGradientsAtSeveralShapes() {
        var generator = SeededGenerator(seed: 3)
        for shape in [[1], [3], [4, 3], [2, 2, 2]] {
            let inputs = [
                Tensor<Double>.uniform(shape, in: -1..<1, using: &generator),
                Tensor<Double>.uniform(shape, in: -1..<1, using: &generator),
            ]
            assertGradientsMatch(at: inputs, "\(shape)") { halfSquaredError($0[0], $0[1]) }
            assertGradientsMatch(at: inputs, "\(shape)") { meanSquaredError($0[0], $0[1]) }
        }
    }

    func testReductionsAreExactlyAsDocumented() {
        let p = Variable(Tensor<Double>([[1, 2], [3, 4]]))
        let t = Variable(Tensor<Double>([[0, 0], [0, 1]]))
        // ½ Σ (ŷ − y)² = ½ (1 + 4 + 9 + 9) = 11.5; mean over 4 elements = 23 / 4.
        XCTAssertEqual(halfSquaredError(p, t).value.scalar, 11.5)
        XCTAssertEqual(meanSquaredError(p, t).value.scalar, 5.75)
    }

    func testSquaredErrorShapeMessage() {
        XCTAssertEqual(
            Shapes.same([2, 3], [3, 2], op: "meanSquaredError", symbol: "vs"),
            .failure(.init("meanSquaredError: [2, 3] vs [3, 2]: shapes differ")))
    }
}
