import Backprop
import BackpropNN
import BackpropTesting
import Foundation
import XCTest

final class RMSPropTests: XCTestCase {
    let gradients: [[Double]] = [[3, -0.1], [1, 0.2], [-2, 0], [0.5, -4]]

    /// PyTorch's `RMSprop` step written out element by element.
    func expected(
        lr: Double, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0, momentum: Double = 0,
        centered: Bool = false
    ) -> [[Double]] {
        var w = [0.5, -2.0], v = [0.0, 0], mean = [0.0, 0], buffer = [0.0, 0]
        var values: [[Double]] = []
        for g in gradients {
            for i in 0..<2 {
                let gi = g[i] + weightDecay * w[i]
                v[i] = alpha * v[i] + (1 - alpha) * gi * gi
                var avg = v[i]
                if centered {
                    mean[i] = alpha * mean[i] + (1 - alpha) * gi
                    avg -= mean[i] * mean[i]
                }
                let d = avg.squareRoot() + eps
                if momentum > 0 {
                    buffer[i] = momentum * buffer[i] + gi / d
                    w[i] -= lr * buffer[i]
                } else {
                    w[i] -= lr * gi / d
                }
            }
            values.append(w)
        }
        return values
    }

    func run(_ optimizer: RMSProp<Double>) -> [[Double]] { valuesAfterSteps(of: optimizer, gradients: gradients) }

    func testDefaultsArePyTorchs() {
        let rmsProp = RMSProp<Double>()
        XCTAssertEqual([rmsProp.learningRate, rmsProp.alpha, rmsProp.epsilon, rmsProp.momentum, rmsProp.weightDecay],
                       [0.01, 0.99, 1e-8, 0, 0])
        XCTAssertFalse(rmsProp.isCentered)
    }

    func testStepsMatchTheUpdateRule() {
        assertSteps(run(RMSProp(learningRate: 0.01)), expected(lr: 0.01), "plain")
        assertSteps(run(RMSProp(learningRate: 0.01, momentum: 0.9)), expected(lr: 0.01, momentum: 0.9), "momentum")
        assertSteps(run(RMSProp(learningRate: 0.01, centered: true)), expected(lr: 0.01, centered: true), "centered")
        assertSteps(run(RMSProp(learningRate: 0.02, alpha: 0.9, epsilon: 1e-6, weightDecay: 0.1, momentum: 0.5, centered: true)),
                    expected(lr: 0.02, alpha: 0.9, eps: 1e-6, weightDecay: 0.1, momentum: 0.5, centered: true), "all")
        let optimizer = RMSProp<Double>()
        _ = run(optimizer)
        XCTAssertEqual(optimizer.step, gradients.count)
    }

    func testBadSettingsStopWithAMessage() throws {
        try assertStops(withMessageContaining: "RMSProp: alpha 1.0 is not in [0, 1)") { _ = RMSProp<Double>(alpha: 1) }
        try assertStops(withMessageContaining: "RMSProp: learning rate 0.0 is not positive") {
            _ = RMSProp<Double>(learningRate: 0)
        }
    }
}
