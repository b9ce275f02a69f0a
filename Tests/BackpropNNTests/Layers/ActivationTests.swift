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

    /// Every activation is fused into `dense` (softmax included, which used to be applied
    /// as a separate node), and the fused form computes the same function.
    func testFusedFormsAreTheSameFunctions() {
        let x = Variable<Double>([[-2, -0.5], [0.25, 3]])
        let (w, b) = (Variable<Double>([[1, -1, 0.5], [2, 0.25, -3]]), Variable<Double>([0.1, 0, -0.2]))
        for activation in Activation.allCases {
            let fused = x.dense(weight: w, bias: b, activation: activation)
            let direct = activation.apply(x.matmul(w) + b)
            XCTAssertEqual(fused.op, "dense")
            for (f, d) in zip(fused.value.scalars, direct.value.scalars) {
                XCTAssertEqual(f, d, accuracy: 1e-15, "\(activation)")
            }
        }
        XCTAssertTrue(Activation.relu.prefersHeInitialization)
        XCTAssertFalse(Activation.sigmoid.prefersHeInitialization)
    }
}
