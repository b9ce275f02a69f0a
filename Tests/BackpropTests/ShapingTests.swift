import Backprop
import BackpropTesting
import XCTest

final class ShapingTests: XCTestCase {
    private func random(_ shape: [Int]) -> Tensor<Double> {
        var generator = SeededGenerator(seed: 5)
        return Tensor.uniform(shape, in: -1..<1, using: &generator)
    }

    func testBroadcastAndItsAdjoint() {
        let cases: [([Int], [Int])] = [([3], [4, 3]), ([1, 3], [2, 3]), ([2, 1], [2, 5]), ([], [2, 2]), ([3, 1], [2, 3, 4])]
        for (source, target) in cases {
            assertGradientsMatch(at: [random(source)], "\(source) → \(target)") {
                $0[0].broadcast(toShape: target)
            }
            assertGradientsMatch(at: [random(target)], "\(target) → \(source)") {
                $0[0].summed(toShape: source)
            }
        }
    }

    func testReshape() {
        assertGradientsMatch(at: [random([2, 6])]) { $0[0].reshaped(to: [3, 4]) * $0[0].reshaped(to: [3, 4]) }
        assertGradientsMatch(at: [random([4])]) { $0[0].reshaped(to: [2, 1, 2]) }
    }

    func testSummedToShapeValues() {
        let g: Tensor<Double> = [[1, 2, 3], [4, 5, 6]]
        XCTAssertEqual(g.summed(toShape: [3]), [5, 7, 9])
        XCTAssertEqual(g.summed(toShape: [2, 1]), [[6], [15]])
        XCTAssertEqual(g.summed(toShape: []), Tensor(21))
    }
}
