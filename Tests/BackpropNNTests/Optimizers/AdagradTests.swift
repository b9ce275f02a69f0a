import Backprop
import BackpropNN
import BackpropTesting
import Foundation
import XCTest

final class AdagradTests: XCTestCase {
    let gradients: [[Double]] = [[3, -0.1], [1, 0.2], [-2, 0], [0.5, -4]]

    /// PyTorch's `Adagrad` step written out element by element.
    func expected(lr: Double, decay: Double = 0, weightDecay: Double = 0, initial: Double = 0, eps: Double = 1e-10)
        -> [[Double]]
    {
        var w = [0.5, -2.0], s = [initial, initial]
        var values: [[Double]] = []
        for (t, g) in gradients.enumerated() {
            let rate = lr / (1 + Double(t) * decay)
            for i in 0..<2 {
                let gi = g[i] + weightDecay * w[i]
                s[i] += gi * gi
                w[i] -= rate * gi / (s[i].squareRoot() + eps)
            }
            values.append(w)
        }
        return values
    }

    func run(_ optimizer: Adagrad<Double>) -> [[Double]] { valuesAfterSteps(of: optimizer, gradients: gradients) }

    func testDefaultsArePyTorchs() {
        let adagrad = Adagrad<Double>()
        XCTAssertEqual([adagrad.learningRate, adagrad.learningRateDecay, adagrad.weightDecay, adagrad.initialAccumulator,
                        adagrad.epsilon], [0.01, 0, 0, 0, 1e-10])
    }

    func testStepsMatchTheUpdateRule() {
        assertSteps(run(Adagrad(learningRate: 0.1)), expected(lr: 0.1), "plain")
        assertSteps(run(Adagrad(learningRate: 0.1, learningRateDecay: 0.5, weightDecay: 0.2, initialAccumulator: 0.3, epsilon: 1e-6)),
                    expected(lr: 0.1, decay: 0.5, weightDecay: 0.2, initial: 0.3, eps: 1e-6), "all")
    }

    /// The decay counts each parameter's own steps: a parameter first stepped later starts
    /// at the full rate.
    func testTheDecayCountsTheParametersOwnSteps() {
        let adagrad = Adagrad<Double>(learningRate: 0.1, learningRateDecay: 1)
        let (a, b) = (Variable(Tensor<Double>([1]), requiresGradient: true), Variable(Tensor<Double>([1]), requiresGradient: true))
        a.gradient = Tensor([2])
        adagrad.update([a, b])
        a.gradient = Tensor([2])
        b.gradient = Tensor([2])
        adagrad.update([a, b])
        // a: second step at 0.1 / 2 with s = 8; b: first step at 0.1 with s = 4.
        XCTAssertEqual(a.value.scalars[0], 1 - 0.1 * 2 / (4.0.squareRoot() + 1e-10) - 0.05 * 2 / (8.0.squareRoot() + 1e-10),
                       accuracy: 1e-15)
        XCTAssertEqual(b.value.scalars[0], 1 - 0.1 * 2 / (4.0.squareRoot() + 1e-10), accuracy: 1e-15)
        XCTAssertEqual(adagrad.step, 2)
    }
}
