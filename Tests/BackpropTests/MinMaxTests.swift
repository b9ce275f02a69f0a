import Backprop
import BackpropTesting
import XCTest

final class MinMaxTests: XCTestCase {
    func testGradientsWithBroadcasting() {
        let pairs: [(TensorShape, TensorShape)] = [([3, 4], [3, 4]), ([3, 4], [4]), ([3, 1], [1, 4]), ([2, 3], [])]
        for (k, (a, b)) in pairs.enumerated() {
            // Distinct values (no ties) so the functions are smooth near the sample.
            let x = randomTensor(a, seed: UInt64(k))
            let y = randomTensor(b, seed: UInt64(k + 20)).map { $0 + 0.013 }
            assertGradientsMatch(at: [x, y]) { maximum($0[0], $0[1]) }
            assertGradientsMatch(at: [x, y]) { minimum($0[0], $0[1]) }
        }
        let x = randomTensor([2, 3], in: -3..<3).map { $0 + 0.001 }
        assertGradientsMatch(at: [x]) { maximum($0[0], 0.5) }
        assertGradientsMatch(at: [x]) { minimum(-0.5, $0[0]) }
        assertGradientsMatch(at: [x]) { $0[0].clamped(lower: -1, upper: 1) }
        assertGradientsMatch(at: [x]) { $0[0].clamped(upper: 0) }
    }

    func testTieRuleAndExactZeros() {
        let a = Variable(Tensor<Double>([1, 2, 3]), requiresGradient: true)
        let b = Variable(Tensor<Double>([1, 5, -.infinity]), requiresGradient: true)
        for f in [maximum, minimum] as [(Variable<Double>, Variable<Double>, StaticString, UInt) -> Variable<Double>] {
            let g = gradients(of: f(a, b, #fileID, #line).sum(), withRespectTo: [a, b])
            XCTAssertEqual(g[0].scalars[0], 1, "ties go to the first operand")
            XCTAssertEqual(g[1].scalars[0], 0)
            XCTAssertEqual(g[0] + g[1], Tensor([1, 1, 1]))
            XCTAssertFalse(g[0].scalars.contains { $0.isNaN } || g[1].scalars.contains { $0.isNaN })
        }
        XCTAssertEqual(maximum(a, b).value, Tensor([1, 5, 3]))
        XCTAssertEqual(minimum(a, b).value, Tensor([1, 2, -.infinity]))
        // Scalar first: ties go to the constant.
        let x = Variable(Tensor<Double>([0, 1]), requiresGradient: true)
        XCTAssertEqual(gradients(of: maximum(0, x).sum(), withRespectTo: [x])[0], Tensor([0, 1]))
        XCTAssertEqual(gradients(of: maximum(x, 0).sum(), withRespectTo: [x])[0], Tensor([1, 1]))
    }

    func testClampBoundsPassTheGradient() {
        let x = Variable(Tensor<Double>([-2, -1, 0, 1, 2]), requiresGradient: true)
        let y = x.clamped(lower: -1, upper: 1)
        XCTAssertEqual(y.value, Tensor([-1, -1, 0, 1, 1]))
        XCTAssertEqual(gradients(of: y.sum(), withRespectTo: [x])[0], Tensor([0, 1, 1, 1, 0]))
    }
}
