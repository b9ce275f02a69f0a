import Backprop
import BackpropTesting
import XCTest

final class ElementaryTests: XCTestCase {
    let shapes: [TensorShape] = [[], [5], [3, 4], [2, 3, 2]]

    func testGradientsAtSeveralShapes() {
        for (k, shape) in shapes.enumerated() {
            let any = randomTensor(shape, seed: UInt64(k))
            let positive = randomTensor(shape, in: 0.5..<3, seed: UInt64(k))
            let awayFromZero = any.map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
            assertGradientsMatch(at: [any]) { $0[0].exp() }
            assertGradientsMatch(at: [positive]) { $0[0].log() }
            assertGradientsMatch(at: [positive]) { $0[0].squareRoot() }
            assertGradientsMatch(at: [any]) { $0[0].squared() }
            assertGradientsMatch(at: [positive]) { $0[0].pow(2.5) }
            assertGradientsMatch(at: [any]) { $0[0].pow(3) }
            assertGradientsMatch(at: [awayFromZero]) { $0[0].abs() }
        }
    }

    func testValues() {
        let x = Variable(Tensor<Double>([4, -1]))
        XCTAssertEqual(x.abs().value, Tensor([4, 1]))
        XCTAssertEqual(x.squared().value, Tensor([16, 1]))
        XCTAssertEqual(x.abs().squareRoot().value, Tensor([2, 1]))
        XCTAssertEqual(x.pow(3).value, Tensor([64, -1]))
        XCTAssertEqual(x.exp().log().value, x.value)
    }

    func testPowZeroAndAbsAtZeroHaveZeroGradient() {
        let x = Variable(Tensor<Double>([0, 2]), requiresGradient: true)
        XCTAssertEqual(gradients(of: x.pow(0).sum(), withRespectTo: [x])[0], Tensor([0, 0]))
        XCTAssertEqual(gradients(of: x.abs().sum(), withRespectTo: [x])[0], Tensor([0, 1]))
    }
}
