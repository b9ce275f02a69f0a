import Backprop
import BackpropTesting
import XCTest

final class ReductionsTests: XCTestCase {
    private func random(_ shape: TensorShape, seed: UInt64 = 1) -> Tensor<Double> {
        var generator = SeededGenerator(seed: seed)
        return Tensor.uniform(shape, in: -1..<1, using: &generator)
    }

    func testSumAndMeanOfAllElements() {
        for shape in [[], [4], [2, 3], [2, 3, 4]] as [TensorShape] {
            assertGradientsMatch(at: [random(shape)]) { $0[0].sum() }
            assertGradientsMatch(at: [random(shape)]) { $0[0].mean() }
        }
    }

    func testSumAndMeanAlongEachAxis() {
        let shape: TensorShape = [2, 3, 4]
        for axis in -3..<3 {
            for keep in [false, true] {
                assertGradientsMatch(at: [random(shape)], "axis \(axis) keep \(keep)") {
                    $0[0].sum(alongAxis: axis, keepingDimension: keep)
                }
                assertGradientsMatch(at: [random(shape)], "axis \(axis) keep \(keep)") {
                    $0[0].mean(alongAxis: axis, keepingDimension: keep)
                }
            }
        }
    }

    func testValues() {
        let x = Variable(Tensor<Double>([[1, 2], [3, 4]]))
        XCTAssertEqual(x.sum().value, Tensor(10))
        XCTAssertEqual(x.mean().value, Tensor(2.5))
        XCTAssertEqual(x.sum(alongAxis: 0).value, [4, 6])
        XCTAssertEqual(x.sum(alongAxis: 1, keepingDimension: true).value, [[3], [7]])
        XCTAssertEqual(x.mean(alongAxis: -1).value, [1.5, 3.5])
    }

    func testAxisOutOfRangeMessage() {
        XCTAssertEqual(
            Shapes.normalizedAxis(2, rank: 2, op: "sum"),
            .failure(.init("sum: axis 2 is out of range for rank 2")))
        XCTAssertEqual(try Shapes.normalizedAxis(-1, rank: 3, op: "sum").get(), 2)
    }
}

// Reductions along an axis and over everything (max, min, variance, sum, mean; with and
// without the reduced dimension): gradients, ties, the population variance, NaN and empty
// inputs.
extension ReductionsTests {
    func testMaxMinVarianceGradientsAlongEachAxis() {
        for (k, shape) in ([[5], [3, 4], [2, 3, 4]] as [TensorShape]).enumerated() {
            let x = randomTensor(shape, seed: UInt64(k))  // distinct values almost surely
            for axis in -1..<shape.count {
                for keep in [false, true] {
                    assertGradientsMatch(at: [x]) { $0[0].max(alongAxis: axis, keepingDimension: keep) }
                    assertGradientsMatch(at: [x]) { $0[0].min(alongAxis: axis, keepingDimension: keep) }
                    assertGradientsMatch(at: [x]) { $0[0].variance(alongAxis: axis, keepingDimension: keep) }
                    assertGradientsMatch(at: [x]) { $0[0].sum(alongAxis: axis, keepingDimension: keep) }
                    assertGradientsMatch(at: [x]) { $0[0].mean(alongAxis: axis, keepingDimension: keep) }
                }
            }
            assertGradientsMatch(at: [x]) { $0[0].max() }
            assertGradientsMatch(at: [x]) { $0[0].min() }
            assertGradientsMatch(at: [x]) { $0[0].variance() }
        }
    }

    func testMaxValuesAndTiesGoToTheFirstIndex() {
        let x = Variable(Tensor<Double>([[3, 7, 7], [-1, -1, -5]]), requiresGradient: true)
        XCTAssertEqual(x.max(alongAxis: 1).value, Tensor([7, -1]))
        XCTAssertEqual(x.min(alongAxis: 1, keepingDimension: true).value, Tensor([[3], [-5]]))
        XCTAssertEqual(gradients(of: x.max(alongAxis: 1).sum(), withRespectTo: [x])[0],
                       Tensor([[0, 1, 0], [1, 0, 0]]))
        XCTAssertEqual(gradients(of: x.max(), withRespectTo: [x])[0], Tensor([[0, 1, 0], [0, 0, 0]]))
        let withInfinity = Variable(Tensor<Double>([-.infinity, 2]))
        XCTAssertEqual(withInfinity.max().value.scalar, 2)
    }

    func testVarianceIsThePopulationVariance() {
        let x = Variable(Tensor<Double>([[1, 3], [2, 2]]))
        XCTAssertEqual(x.variance(alongAxis: 1).value, Tensor([1, 0]))
        XCTAssertEqual(x.variance().value.scalar, 0.5)
    }

    /// Sums along an axis against plain loops, for every axis of a rank-3 tensor (the last
    /// axis runs its own loop), and over an empty axis (zeros).
    func testSumAlongAxisValues() {
        let x = Tensor<Double>(shape: [2, 3, 4], scalars: (0..<24).map { Double($0 * $0 % 7) - 3 })
        for axis in 0..<3 {
            let sum = x.sum(alongAxis: axis)
            var expected = [Double](repeating: 0, count: 24 / x.shape[axis])
            for i in 0..<2 {
                for j in 0..<3 {
                    for k in 0..<4 {
                        let kept = [j * 4 + k, i * 4 + k, i * 3 + j][axis]  // index in the sum
                        expected[kept] += x[i, j, k]
                    }
                }
            }
            XCTAssertEqual(sum.scalars, expected, "axis \(axis)")
        }
        let empty = Tensor<Double>(shape: [2, 0, 3], scalars: [])
        XCTAssertEqual(empty.sum(alongAxis: 1), Tensor.zeros([2, 3]))
        XCTAssertEqual(empty.sum(alongAxis: 2, keepingDimension: true).shape, [2, 0, 1])
    }

    /// Along a one-long axis the sum reuses the tensor's scalars: the result must still be
    /// a value of its own, and the source must keep its shape.
    func testSumAlongAOneLongAxisIsTheTensorReshaped() {
        let x = Tensor<Double>(shape: [2, 1, 3], scalars: [1, 2, 3, 4, 5, 6])
        var sum = x.sum(alongAxis: 1)
        XCTAssertEqual(sum, Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        XCTAssertEqual(x.sum(alongAxis: -2, keepingDimension: true), x)
        sum[0, 0] = 100
        XCTAssertEqual(x.shape, [2, 1, 3])
        XCTAssertEqual(x.scalars, [1, 2, 3, 4, 5, 6])
        let row = Tensor<Double>(shape: [1, 4], scalars: [1, -2, 3, -4])
        XCTAssertEqual(row.sum(alongAxis: 0), Tensor(shape: [4], scalars: [1, -2, 3, -4]))
        XCTAssertEqual(row.shape, [1, 4])
    }
}

// NaN and empty inputs: the reductions never hide a NaN, and the mean of nothing is NaN.
extension ReductionsTests {
    /// Regression: `max([1, NaN])` was 1 while `max([NaN, 1])` was NaN (and the gradient went
    /// to the 1). Now every max and min, whole or along an axis, is NaN when its lane holds a
    /// NaN, and the gradient goes to the first NaN of the lane, as NaN.
    func testMaxAndMinPropagateNaNWhereverItIs() {
        let n = Double.nan
        let x = Variable(
            Tensor<Double>([[1, n, 3, n], [n, 2, 1, 0], [4, 5, 6, 7]]), requiresGradient: true)
        // (name, op, value, ∇ of the sum of the value)
        let cases: [(String, Variable<Double>, Tensor<Double>, Tensor<Double>)] = [
            ("max axis 1", x.max(alongAxis: 1), Tensor([n, n, 7]),
             Tensor([[0, n, 0, 0], [n, 0, 0, 0], [0, 0, 0, 1]])),
            ("min axis 1", x.min(alongAxis: 1, keepingDimension: true), Tensor([[n], [n], [4]]),
             Tensor([[0, n, 0, 0], [n, 0, 0, 0], [1, 0, 0, 0]])),
            ("max axis 0", x.max(alongAxis: 0), Tensor([n, n, 6, n]),
             Tensor([[0, n, 0, n], [n, 0, 0, 0], [0, 0, 1, 0]])),
            ("min axis -2", x.min(alongAxis: -2), Tensor([n, n, 1, n]),
             Tensor([[0, n, 0, n], [n, 0, 1, 0], [0, 0, 0, 0]])),
            ("max", x.max(), Tensor(n), Tensor([[0, n, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])),
            ("min", x.min(), Tensor(n), Tensor([[0, n, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])),
        ]
        for (name, y, value, gradient) in cases {
            XCTAssertTrue(sameScalarsOrNaN(y.value, value), "\(name): \(y.value)")
            let g = gradients(of: y.sum(), withRespectTo: [x])[0]
            XCTAssertTrue(sameScalarsOrNaN(g, gradient), "\(name) ∇: \(g)")
            let again = differentiableGradients(of: y.sum(), withRespectTo: [x])[0].value
            XCTAssertTrue(sameScalarsOrNaN(again, gradient), "\(name) ∇ (create-graph): \(again)")
        }
        // The order of the elements does not matter, first or last, whole or along an axis.
        for scalars in [[1, n], [n, 1], [n, -.infinity], [.infinity, n, 2]] as [[Double]] {
            let v = Variable(Tensor(scalars))
            XCTAssertTrue(v.max().value.scalar.isNaN, "max \(scalars)")
            XCTAssertTrue(v.min().value.scalar.isNaN, "min \(scalars)")
            XCTAssertTrue(Tensor(scalars).max(alongAxis: 0).scalar.isNaN, "Tensor.max \(scalars)")
        }
        XCTAssertTrue(
            sameScalarsOrNaN(x.value.max(alongAxis: 1, keepingDimension: true), Tensor([[n], [n], [7]])))
    }

    /// Regression: the mean and the variance of nothing were 0. They are 0/0 = NaN, as in
    /// NumPy and PyTorch, and their gradients are empty tensors of the input's shape.
    func testMeanAndVarianceOfNothingAreNaN() {
        let n = Double.nan
        let empty = Variable(Tensor<Double>(shape: [2, 0], scalars: []), requiresGradient: true)
        let cases: [(String, Variable<Double>, Tensor<Double>)] = [
            ("mean", empty.mean(), Tensor(n)),
            ("variance", empty.variance(), Tensor(n)),
            ("mean axis 1", empty.mean(alongAxis: 1), Tensor([n, n])),
            ("mean axis -1 keep", empty.mean(alongAxis: -1, keepingDimension: true), Tensor([[n], [n]])),
            ("variance axis 1", empty.variance(alongAxis: 1), Tensor([n, n])),
            ("variance axis 1 keep", empty.variance(alongAxis: 1, keepingDimension: true), Tensor([[n], [n]])),
            // Along the non-empty axis: no lane at all, so an empty result.
            ("mean axis 0", empty.mean(alongAxis: 0), Tensor(shape: [0], scalars: [])),
            ("variance axis 0", empty.variance(alongAxis: 0), Tensor(shape: [0], scalars: [])),
        ]
        let emptyGradient = Tensor<Double>(shape: [2, 0], scalars: [])
        for (name, y, value) in cases {
            XCTAssertTrue(sameScalarsOrNaN(y.value, value), "\(name): \(y.value)")
            XCTAssertEqual(gradients(of: y.sum(), withRespectTo: [empty])[0], emptyGradient, name)
            XCTAssertEqual(
                differentiableGradients(of: y.sum(), withRespectTo: [empty])[0].value, emptyGradient,
                name)
        }
        XCTAssertTrue(Variable(Tensor<Double>(shape: [0], scalars: [])).mean().value.scalar.isNaN)
        XCTAssertTrue(Variable(Tensor<Float>(shape: [0], scalars: [])).variance().value.scalar.isNaN)
    }
}
