import Backprop
import BackpropNN
import Foundation
import XCTest

final class SGDTests: XCTestCase {
    /// A parameter with a given value and gradient.
    func parameter(_ value: [Double], gradient: [Double]) -> Variable<Double> {
        let p = Variable(Tensor(value), requiresGradient: true)
        p.gradient = Tensor(gradient)
        return p
    }

    func testPlainSGDStepIsWMinusEtaGradient() {
        let p = parameter([1, 2], gradient: [0.5, -1])
        SGD<Double>(learningRate: 0.1).update([p])
        XCTAssertEqual(p.value, Tensor([1 - 0.05, 2 + 0.1]))
        XCTAssertNil(p.gradient, "update resets the gradient")
    }

    func testMomentumAndNesterovOverTwoSteps() {
        for nesterov in [false, true] {
            let (eta, mu, lambda) = (0.1, 0.9, 0.01)
            let optimizer = SGD<Double>(learningRate: eta, momentum: mu, nesterov: nesterov, weightDecay: lambda)
            let p = parameter([1], gradient: [2])
            var w = 1.0, v = 0.0
            for g in [2.0, -1.0] {
                p.gradient = Tensor([g])
                optimizer.update([p])
                let gi = g + lambda * w
                v = mu * v + gi
                w -= eta * (nesterov ? gi + mu * v : v)
                XCTAssertEqual(p.value[0], w, accuracy: 1e-15, "nesterov \(nesterov)")
            }
        }
    }
}
