import Backprop
import XCTest

final class ActivationsTests: XCTestCase {
    func testGradientsAtSeveralShapes() {
        for (k, shape) in [[], [6], [3, 4], [2, 2, 3]].enumerated() {
            let x = randomTensor(shape, in: -3..<3, seed: UInt64(k)).map { $0 >= 0 ? $0 + 0.05 : $0 - 0.05 }
            checkGradients([x]) { $0[0].sigmoid() }
            checkGradients([x]) { $0[0].tanh() }
            checkGradients([x]) { $0[0].relu() }
            checkGradients([x]) { $0[0].leakyRelu(slope: 0.2) }
            checkGradients([x]) { $0[0].softplus() }
        }
    }

    func testValues() {
        let x = Variable(Tensor<Double>([-2, 0, 3]))
        XCTAssertEqual(x.relu().value, Tensor([0, 0, 3]))
        XCTAssertEqual(x.leakyRelu(slope: 0.5).value, Tensor([-1, 0, 3]))
        XCTAssertEqual(x.softplus().value.scalars[1], Foundation.log(2), accuracy: 1e-15)
        XCTAssertEqual(x.tanh().value.scalars[2], Foundation.tanh(3), accuracy: 1e-15)
    }

    func testExtremeInputsStayFinite() {
        let x = Variable(Tensor<Double>([-1000, -30, 0, 30, 1000]), requiresGradient: true)
        for f in [{ (v: Variable<Double>) in v.sigmoid() }, { $0.tanh() }, { $0.softplus() }] {
            let y = f(x)
            XCTAssertTrue(allFinite(y.value))
            XCTAssertTrue(allFinite(gradients(of: y.sum(), withRespectTo: [x])[0]))
        }
        XCTAssertEqual(x.softplus().value.scalars[4], 1000)
        XCTAssertEqual(x.softplus().value.scalars[0], 0, accuracy: 1e-300)
    }
}
