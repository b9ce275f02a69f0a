import Backprop
import BackpropNN
import XCTest

final class ActivationTests: XCTestCase {
    func testActivationLayersApplyTheirFunction() {
        let x: Tensor<Double> = [[-2, 0.5, 3]]
        XCTAssertEqual(ActivationLayer<Double>(.relu)(Variable(x)).value, [[0, 0.5, 3]])
        XCTAssertEqual(ActivationLayer<Double>(.identity)(Variable(x)).value, x)
        let s = ActivationLayer<Double>(.softmax)(Variable(x)).value
        XCTAssertEqual(s.scalars.reduce(0, +), 1, accuracy: 1e-15)
        XCTAssertTrue(ActivationLayer<Double>(.tanh).namedParameters.isEmpty)
    }

    func testFusedFormsAreTheSameFunctions() {
        let x: Tensor<Double> = [[-2, -0.5, 0.25, 3]]
        for activation in Activation.allCases {
            guard let fused = activation.fused else { continue }
            let direct = activation.apply(Variable(x)).value
            XCTAssertEqual(direct.scalars.count, 4)
            for (d, u) in zip(direct.scalars, x.scalars) { XCTAssertEqual(d, fused(u), accuracy: 1e-15, "\(activation)") }
        }
        XCTAssertNil(Activation.softmax.fused)
        XCTAssertTrue(Activation.relu.prefersHeInitialization)
        XCTAssertFalse(Activation.sigmoid.prefersHeInitialization)
    }
}
