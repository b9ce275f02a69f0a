import Backprop
import XCTest

final class ReductionsTests: XCTestCase {
    func testMaxMinVarianceGradientsAlongEachAxis() {
        for (k, shape) in [[5], [3, 4], [2, 3, 4]].enumerated() {
            let x = randomTensor(shape, seed: UInt64(k))  // distinct values almost surely
            for axis in -1..<shape.count {
                for keep in [false, true] {
                    checkGradients([x]) { $0[0].max(alongAxis: axis, keepingDimension: keep) }
                    checkGradients([x]) { $0[0].min(alongAxis: axis, keepingDimension: keep) }
                    checkGradients([x]) { $0[0].variance(alongAxis: axis, keepingDimension: keep) }
                    checkGradients([x]) { $0[0].sum(alongAxis: axis, keepingDimension: keep) }
                    checkGradients([x]) { $0[0].mean(alongAxis: axis, keepingDimension: keep) }
                }
            }
            checkGradients([x]) { $0[0].max() }
            checkGradients([x]) { $0[0].min() }
            checkGradients([x]) { $0[0].variance() }
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
}
