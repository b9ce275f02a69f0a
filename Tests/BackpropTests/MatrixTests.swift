import Backprop
import BackpropTesting
import XCTest

final class MatrixTests: XCTestCase {
    private func random(_ shape: TensorShape, seed: UInt64) -> Tensor<Double> {
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
        // The kernels may sum in another order per layout: equal to rounding.
        assertClose(
            a.matmul(b, transposingSelf: true, transposingOther: true),
            a.transposed().matmul(b.transposed()), relativeTolerance: 1e-12)
    }

    func testTransposeGradient() {
        for shape in [[1, 1], [2, 3], [5, 1]] as [TensorShape] {
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

// matmul in every transposition and rank combination (2-D, matrix–vector, vector–matrix,
// batched) and transpose: values and gradients.
extension MatrixTests {
    func testTwoDimensionalWithEveryTransposition() {
        let a = randomTensor([3, 4], seed: 1), b = randomTensor([4, 2], seed: 2)
        assertGradientsMatch(at: [a, b]) { $0[0].matmul($0[1]) }
        assertGradientsMatch(at: [a.transposed(), b]) { $0[0].matmul($0[1], transposingSelf: true) }
        assertGradientsMatch(at: [a, b.transposed()]) { $0[0].matmul($0[1], transposingOther: true) }
        assertGradientsMatch(at: [a.transposed(), b.transposed()]) {
            $0[0].matmul($0[1], transposingSelf: true, transposingOther: true)
        }
    }

    func testMatrixVectorAndVectorMatrix() {
        let m = randomTensor([3, 4], seed: 1), v = randomTensor([4], seed: 2), u = randomTensor([3], seed: 3)
        let mv = Variable(m).matmul(Variable(v)).value
        XCTAssertEqual(mv.shape, [3])
        XCTAssertEqual(mv[1], (0..<4).map { m[1, $0] * v[$0] }.reduce(0, +), accuracy: 1e-12)
        assertGradientsMatch(at: [m, v]) { $0[0].matmul($0[1]) }
        assertGradientsMatch(at: [u, m]) { $0[0].matmul($0[1]) }
        assertGradientsMatch(at: [m, u]) { $0[0].matmul($0[1], transposingSelf: true) }
    }

    func testBatched() {
        let a = randomTensor([2, 3, 4], seed: 1), b = randomTensor([2, 4, 5], seed: 2)
        let y = Variable(a).matmul(Variable(b)).value
        XCTAssertEqual(y.shape, [2, 3, 5])
        let second = Variable(a.sliced(alongAxis: 0, 1..<2).reshaped(to: [3, 4]))
            .matmul(Variable(b.sliced(alongAxis: 0, 1..<2).reshaped(to: [4, 5]))).value
        XCTAssertEqual(y.sliced(alongAxis: 0, 1..<2).reshaped(to: [3, 5]), second)
        assertGradientsMatch(at: [a, b]) { $0[0].matmul($0[1]) }
        assertGradientsMatch(at: [a, a]) { $0[0].matmul($0[1], transposingOther: true) }
        assertGradientsMatch(at: [a, a]) { $0[0].matmul($0[1], transposingSelf: true) }
        assertGradientsMatch(at: [a, b.permuted([0, 2, 1])]) {
            $0[0].permuted([0, 2, 1]).matmul($0[1], transposingSelf: true, transposingOther: true)
        }
        assertGradientsMatch(at: [a, randomTensor([4, 2])]) { $0[0].matmul($0[1]) }
    }

    func testTranspose() {
        assertGradientsMatch(at: [randomTensor([2, 3])]) { $0[0].transposed() }
    }
}
