import Backprop
import BackpropTesting
import XCTest

final class ShapingTests: XCTestCase {
    private func random(_ shape: TensorShape) -> Tensor<Double> {
        var generator = SeededGenerator(seed: 5)
        return Tensor.uniform(shape, in: -1..<1, using: &generator)
    }

    func testBroadcastAndItsAdjoint() {
        let cases: [(TensorShape, TensorShape)] = [([3], [4, 3]), ([1, 3], [2, 3]), ([2, 1], [2, 5]), ([], [2, 2]), ([3, 1], [2, 3, 4])]
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

// Permute, squeeze and unsqueeze, slices and rows, concatenate and stack, row gathers with
// repeats, broadcast, reshape and sum to a shape: values and gradients.
extension ShapingTests {
    func testPermuteValuesAndGradients() {
        let x = Tensor<Double>(shape: [2, 3, 4], scalars: (0..<24).map(Double.init))
        let y = Variable(x).permuted([2, 0, 1]).value
        XCTAssertEqual(y.shape, [4, 2, 3])
        XCTAssertEqual(y[3, 1, 2], x[1, 2, 3])
        for p in [[0, 1, 2], [1, 0, 2], [2, 0, 1], [0, 2, 1]] {
            assertGradientsMatch(at: [randomTensor([2, 3, 4])]) { $0[0].permuted(p) }
        }
        XCTAssertEqual(Variable(Tensor<Double>([[1, 2], [3, 4]])).permuted([1, 0]).value, Tensor([[1, 3], [2, 4]]))
    }

    func testSqueezeUnsqueeze() {
        let x = Variable(Tensor<Double>.zeros([4, 1]))
        XCTAssertEqual(x.squeezed(axis: 1).shape, [4])
        XCTAssertEqual(x.squeezed(axis: -1).unsqueezed(axis: 0).shape, [1, 4])
        XCTAssertEqual(x.unsqueezed(axis: -1).shape, [4, 1, 1])
        assertGradientsMatch(at: [randomTensor([3, 1])]) { $0[0].squeezed(axis: 1).unsqueezed(axis: 0) }
    }

    func testSlicesRowsAndTheirGradients() {
        let x = Tensor<Double>(shape: [3, 4], scalars: (0..<12).map(Double.init))
        XCTAssertEqual(Variable(x).rows(1..<3).value, Tensor([[4, 5, 6, 7], [8, 9, 10, 11]]))
        XCTAssertEqual(Variable(x).sliced(alongAxis: 1, 1..<3).value, Tensor([[1, 2], [5, 6], [9, 10]]))
        XCTAssertEqual(Variable(x).sliced(alongAxis: -1, 2..<2).shape, [3, 0])
        let t = randomTensor([3, 4, 2])
        for axis in 0..<3 {
            assertGradientsMatch(at: [t]) { $0[0].sliced(alongAxis: axis, 1..<2) }
        }
        let v = Variable(x, requiresGradient: true)
        XCTAssertEqual(gradients(of: v.rows(0..<1).sum(), withRespectTo: [v])[0].scalars,
                       [1, 1, 1, 1] + [Double](repeating: 0, count: 8))
    }

    func testConcatenateAndStack() {
        let a = randomTensor([2, 3], seed: 1), b = randomTensor([2, 1], seed: 2), c = randomTensor([2, 3], seed: 3)
        let ab = concatenate([Variable(a), Variable(b)], alongAxis: 1).value
        XCTAssertEqual(ab.shape, [2, 4])
        XCTAssertEqual(ab[1, 3], b[1, 0])
        XCTAssertEqual(ab[1, 2], a[1, 2])
        assertGradientsMatch(at: [a, b]) { concatenate($0, alongAxis: 1) }
        assertGradientsMatch(at: [a, c]) { concatenate($0, alongAxis: 0) }
        let s = stack([Variable(a), Variable(c)], alongAxis: 1).value
        XCTAssertEqual(s.shape, [2, 2, 3])
        XCTAssertEqual(s[1, 1, 2], c[1, 2])
        assertGradientsMatch(at: [a, c]) { stack($0, alongAxis: 0) }
        assertGradientsMatch(at: [a, c]) { stack($0, alongAxis: -1) }
    }

    func testGatherRowsWithRepeats() {
        let x = Tensor<Double>([[1, 2], [3, 4], [5, 6]])
        let v = Variable(x, requiresGradient: true)
        let y = v.gatheringRows([2, 0, 2])
        XCTAssertEqual(y.value, Tensor([[5, 6], [1, 2], [5, 6]]))
        XCTAssertEqual(gradients(of: y.sum(), withRespectTo: [v])[0], Tensor([[1, 1], [0, 0], [2, 2]]))
        assertGradientsMatch(at: [randomTensor([4, 3])]) { $0[0].gatheringRows([3, 3, 1]) }
        assertGradientsMatch(at: [randomTensor([4])]) { $0[0].gatheringRows([0, 2]) }
    }

    func testBroadcastReshapeAndSumToShape() {
        assertGradientsMatch(at: [randomTensor([3])]) { $0[0].broadcast(toShape: [2, 3]) }
        assertGradientsMatch(at: [randomTensor([2, 3])]) { $0[0].reshaped(to: [3, 2]) }
        assertGradientsMatch(at: [randomTensor([2, 3])]) { $0[0].summed(toShape: [1, 3]) }
    }
}
