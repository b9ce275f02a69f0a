import Backprop
import XCTest

final class ArithmeticTests: XCTestCase {
    func testDivideBroadcastingGradients() {
        let pairs: [([Int], [Int])] = [([3, 4], [3, 4]), ([3, 4], [4]), ([3, 1], [1, 4]), ([], [2, 3])]
        for (k, (a, b)) in pairs.enumerated() {
            let x = randomTensor(a, seed: UInt64(k))
            let y = randomTensor(b, in: 0.5..<2, seed: UInt64(k + 10))
            checkGradients([x, y]) { $0[0] / $0[1] }
            checkGradients([y, x]) { $0[1] / $0[0] }
        }
    }

    func testScalarDivisionOnEitherSide() {
        let x = randomTensor([2, 3], in: 0.5..<2)
        checkGradients([x]) { 2 / $0[0] }
        checkGradients([x]) { $0[0] / 4 }
        XCTAssertEqual((Variable(Tensor<Double>([2, 4])) / 2).value, Tensor([1, 2]))
        XCTAssertEqual((8 / Variable(Tensor<Double>([2, 4]))).value, Tensor([4, 2]))
    }
}
