import Backprop
import BackpropNN
import BackpropTesting
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

    /// The value of a parameter after momentum steps with `gradients`, from a fresh optimizer
    /// that sees only this parameter.
    func alone(_ value: [Double], gradients: [[Double]]) -> Tensor<Double> {
        let sgd = SGD<Double>(learningRate: 0.1, momentum: 0.9)
        let p = parameter(value, gradient: gradients[0])
        for g in gradients {
            p.gradient = Tensor(g)
            sgd.update([p])
        }
        return p.value
    }

    /// The velocity belongs to the parameter, not to its position in the array: swapping
    /// the order between steps changes nothing.
    func testVelocityFollowsTheParameterNotItsPosition() {
        let sgd = SGD<Double>(learningRate: 0.1, momentum: 0.9)
        let a = parameter([1, 2], gradient: [3, -1])
        let b = parameter([-1, 0.5], gradient: [-0.2, 0.4])
        sgd.update([a, b])
        a.gradient = Tensor([1, 1])
        b.gradient = Tensor([2, -2])
        sgd.update([b, a])
        XCTAssertEqual(a.value, alone([1, 2], gradients: [[3, -1], [1, 1]]))
        XCTAssertEqual(b.value, alone([-1, 0.5], gradients: [[-0.2, 0.4], [2, -2]]))
    }

    /// A step on other parameters (of another shape) starts their own velocity, and that of
    /// the first parameters is kept for their next step. (Keyed by position, the [1]
    /// velocity was applied to the [3] parameter: a trap in debug builds, heap corruption
    /// in release builds.)
    func testAnotherParameterListGetsItsOwnVelocity() {
        let sgd = SGD<Double>(learningRate: 0.1, momentum: 0.9)
        let a = parameter([1], gradient: [0.5])
        sgd.update([a])
        let b = parameter([1, 2, 3], gradient: [1, -2, 0.25])
        sgd.update([b])
        XCTAssertEqual(b.value, alone([1, 2, 3], gradients: [[1, -2, 0.25]]))
        a.gradient = Tensor([-3])
        sgd.update([a])
        XCTAssertEqual(a.value, alone([1], gradients: [[0.5], [-3]]))
    }

    /// A parameter whose shape changed since its last step stops the program with a message
    /// naming the optimizer and both shapes (its velocity no longer fits).
    func testChangedParameterShapeStopsWithAMessage() throws {
        try assertStops(withMessageContaining: "SGD: parameter 0 has shape [3], but its state (velocity) was made for shape [1]") {
            let sgd = SGD<Double>(learningRate: 0.1, momentum: 0.9)
            let a = parameter([1], gradient: [0.5])
            sgd.update([a])
            a.value = Tensor([1, 2, 3])
            a.gradient = Tensor([1, 1, 1])
            sgd.update([a])
        }
    }
}
