import Backprop
import XCTest

final class MatrixTests: XCTestCase {
    func testTwoDimensionalWithEveryTransposition() {
        let a = randomTensor([3, 4], seed: 1), b = randomTensor([4, 2], seed: 2)
        checkGradients([a, b]) { $0[0].matmul($0[1]) }
        checkGradients([a.transposed(), b]) { $0[0].matmul($0[1], transposingSelf: true) }
        checkGradients([a, b.transposed()]) { $0[0].matmul($0[1], transposingOther: true) }
        checkGradients([a.transposed(), b.transposed()]) {
            $0[0].matmul($0[1], transposingSelf: true, transposingOther: true)
        }
    }

    func testMatrixVectorAndVectorMatrix() {
        let m = randomTensor([3, 4], seed: 1), v = randomTensor([4], seed: 2), u = randomTensor([3], seed: 3)
        let mv = Variable(m).matmul(Variable(v)).value
        XCTAssertEqual(mv.shape, [3])
        XCTAssertEqual(mv[1], (0..<4).map { m[1, $0] * v[$0] }.reduce(0, +), accuracy: 1e-12)
        checkGradients([m, v]) { $0[0].matmul($0[1]) }
        checkGradients([u, m]) { $0[0].matmul($0[1]) }
        checkGradients([m, u]) { $0[0].matmul($0[1], transposingSelf: true) }
    }

    func testBatched() {
        let a = randomTensor([2, 3, 4], seed: 1), b = randomTensor([2, 4, 5], seed: 2)
        let y = Variable(a).matmul(Variable(b)).value
        XCTAssertEqual(y.shape, [2, 3, 5])
        let second = Variable(a.sliced(alongAxis: 0, 1..<2).reshaped(to: [3, 4]))
            .matmul(Variable(b.sliced(alongAxis: 0, 1..<2).reshaped(to: [4, 5]))).value
        XCTAssertEqual(y.sliced(alongAxis: 0, 1..<2).reshaped(to: [3, 5]), second)
        checkGradients([a, b]) { $0[0].matmul($0[1]) }
        checkGradients([a, a]) { $0[0].matmul($0[1], transposingOther: true) }
        checkGradients([a, a]) { $0[0].matmul($0[1], transposingSelf: true) }
        checkGradients([a, b.permuted([0, 2, 1])]) {
            $0[0].permuted([0, 2, 1]).matmul($0[1], transposingSelf: true, transposingOther: true)
        }
        checkGradients([a, randomTensor([4, 2])]) { $0[0].matmul($0[1]) }
    }

    func testTranspose() {
        checkGradients([randomTensor([2, 3])]) { $0[0].transposed() }
    }
}
