import Backprop
import BackpropTesting
import XCTest

// The tensor kernels behind the shape ops (Kernels/Layout.swift, AxisReduction.swift,
// BatchedMatmul.swift).
final class LayoutTests: XCTestCase {
    private let t = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])

    func testPlacedIsTheAdjointOfSliced() {
        XCTAssertEqual(t.placed(alongAxis: 1, at: 1, size: 5), Tensor([[0, 1, 2, 3, 0], [0, 4, 5, 6, 0]]))
        XCTAssertEqual(t.placed(alongAxis: 1, at: 1, size: 5).sliced(alongAxis: 1, 1..<4), t)
        // ⟨slice(a), b⟩ = ⟨a, place(b)⟩
        let a = randomTensor([4, 3], seed: 1), b = randomTensor([2, 3], seed: 2)
        XCTAssertEqual((a.sliced(alongAxis: 0, 1..<3) * b).sum().scalar,
                       (a * b.placed(alongAxis: 0, at: 1, size: 4)).sum().scalar, accuracy: 1e-12)
    }

    func testScatterAddIsTheAdjointOfGather() {
        XCTAssertEqual(t.gatheringRows([1, 1, 0]), Tensor([[4, 5, 6], [4, 5, 6], [1, 2, 3]]))
        XCTAssertEqual(t.scatterAddingRows([2, 2], rowCount: 3), Tensor([[0, 0, 0], [0, 0, 0], [5, 7, 9]]))
        let a = randomTensor([4, 3], seed: 1), b = randomTensor([5, 3], seed: 2)
        let rows = [3, 0, 3, 1, 2]
        XCTAssertEqual((a.gatheringRows(rows) * b).sum().scalar,
                       (a * b.scatterAddingRows(rows, rowCount: 4)).sum().scalar, accuracy: 1e-12)
    }

    func testPermutedAndConcatenated() {
        XCTAssertEqual(t.permuted([1, 0]), t.transposed())
        XCTAssertEqual(Tensor<Double>(5).permuted([]), Tensor(5))
        // Every permutation of a rank-4 tensor (those that keep the last axis last copy rows)
        // against the index formula y[i] = x[i permuted back]; and an empty axis.
        let shape: TensorShape = [2, 3, 1, 4]
        let x = randomTensor(shape, seed: 3)
        func permutations(_ a: [Int]) -> [[Int]] {
            a.count <= 1 ? [a] : a.indices.flatMap { i in permutations(a.enumerated().filter { $0.offset != i }.map(\.element)).map { [a[i]] + $0 } }
        }
        func flat(_ index: [Int], _ shape: TensorShape) -> Int {
            zip(index, Array(shape)).reduce(0) { $0 * $1.1 + $1.0 }
        }
        for axes in permutations([0, 1, 2, 3]) {
            let y = x.permuted(axes)
            XCTAssertEqual(y.shape, TensorShape(axes.map { shape[$0] }), "\(axes)")
            for i in 0..<2 { for j in 0..<3 { for l in 0..<4 {
                let source = [i, j, 0, l]
                XCTAssertEqual(
                    y.scalars[flat(axes.map { source[$0] }, y.shape)], x.scalars[flat(source, shape)], "\(axes) at \(source)")
            } } }
        }
        XCTAssertEqual(Tensor<Double>.zeros([2, 0, 3]).permuted([1, 0, 2]).shape, [0, 2, 3])
        XCTAssertEqual(Tensor.concatenated([t, t], alongAxis: 0).shape, [4, 3])
        XCTAssertEqual(Tensor.concatenated([t, t.sliced(alongAxis: 1, 0..<1)], alongAxis: 1),
                       Tensor([[1, 2, 3, 1], [4, 5, 6, 4]]))
    }

    func testMaxAndBatchedMatmul() {
        XCTAssertEqual(t.max(alongAxis: 0), Tensor([4, 5, 6]))
        XCTAssertEqual(Tensor<Double>([1, .nan, 3]).max(alongAxis: 0).scalar.isNaN, true)
        let a = randomTensor([3, 2, 4], seed: 3), b = randomTensor([3, 4, 5], seed: 4)
        let c = a.batchedMatmul(b)
        for i in 0..<3 {
            let ai = a.sliced(alongAxis: 0, i..<i + 1).reshaped(to: [2, 4])
            let bi = b.sliced(alongAxis: 0, i..<i + 1).reshaped(to: [4, 5])
            assertClose(c.sliced(alongAxis: 0, i..<i + 1).reshaped(to: [2, 5]), ai.matmul(bi), absoluteTolerance: 1e-12)
        }
        assertClose(a.batchedMatmul(a, transposingOther: true).sliced(alongAxis: 0, 2..<3).reshaped(to: [2, 2]),
                    { let x = a.sliced(alongAxis: 0, 2..<3).reshaped(to: [2, 4]); return x.matmul(x, transposingOther: true) }(),
                    absoluteTolerance: 1e-12)
    }
}
