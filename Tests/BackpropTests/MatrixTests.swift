import Backprop
import BackpropTesting
import XCTest

final class MatrixTests: XCTestCase {
    private func random(_ shape: [Int], seed: UInt64) -> Tensor<Double> {
        var generator = SeededGenerator(seed: seed)
        return Tensor.uniform(shape, in: -1..<1, using: &generator)
    }

    func testMatmulGradientsAtSeveralShapes() {
        for (m, k, n) in [(1, 1, 1), (1, 4, 5), (3, 4, 2), (5, 1, 3), (7, 6, 1)] {
            assertGradientsMatch(at: [random([m, k], seed: 1), random([k, n], seed: 2)], "\(m)×\(k)×\(n)") {
                $0[0].matmul($0[1])
            }
        }
    }

    func testTransposedOperandGradients() {
        let a = random([4, 3], seed: 3)  // used as Aᵀ: 3 × 4
        let b = random([2, 4], seed: 4)  // used as Bᵀ: 4 × 2
        assertGradientsMatch(at: [a, random([4, 2], seed: 5)]) { $0[0].matmul($0[1], transposingSelf: true) }
        assertGradientsMatch(at: [random([3, 4], seed: 6), b]) { $0[0].matmul($0[1], transposingOther: true) }
        assertGradientsMatch(at: [a, b]) {
            $0[0].matmul($0[1], transposingSelf: true, transposingOther: true)
        }
    }

    func testTransposedFlagsAgreeWithExplicitTransposes() {
        let a = random([4, 3], seed: 7)
        let b = random([2, 4], seed: 8)
        XCTAssertEqual(
            a.matmul(b, transposingSelf: true, transposingOther: true),
            a.transposed().matmul(b.transposed()))
    }

    func testTransposeGradient() {
        for shape in [[1, 1], [2, 3], [5, 1]] {
            assertGradientsMatch(at: [random(shape, seed: 9)]) { $0[0].transposed() }
        }
    }

    func testMatmulValue() {
        let a: Tensor<Double> = [[1, 2], [3, 4]]
        XCTAssertEqual(a.matmul(a, transposingOther: true), [[5, 11], [11, 25]])
        XCTAssertEqual(Tensor<Double>.identity(2).matmul(a), a)
    }

    func testMatmulShapeMessage() {
        XCTAssertEqual(
            Shapes.matmul([3, 4], [5, 2]),
            .failure(.init("matmul: [3, 4] × [5, 2]: inner sizes 4 and 5 differ")))
        XCTAssertEqual(
            Shapes.matmul([3], [3, 2]),
            .failure(.init("matmul: [3] × [3, 2]: both operands must be 2-D")))
        XCTAssertEqual(try Shapes.matmul([3, 4], [4, 2]).get(), [3, 2])
    }
}
