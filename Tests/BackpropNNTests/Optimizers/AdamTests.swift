import Backprop
import BackpropNN
import BackpropTesting
import Foundation
import XCTest

final class AdamTests: XCTestCase {
    /// A parameter with a given value and gradient.
    func parameter(_ value: [Double], gradient: [Double]) -> Variable<Double> {
        let p = Variable(Tensor(value), requiresGradient: true)
        p.gradient = Tensor(gradient)
        return p
    }

    func testAdamMatchesTheUpdateRule() {
        let adam = Adam<Double>(learningRate: 0.01, weightDecay: 0.1)
        let p = parameter([0.5, -2], gradient: [0, 0])
        var w = [0.5, -2.0], m = [0.0, 0], v = [0.0, 0]
        for (t, g) in [[3.0, -0.1], [1.0, 0.2], [-2.0, 0.0]].enumerated() {
            p.gradient = Tensor(g)
            adam.update([p])
            for i in 0..<2 {
                let gi = g[i] + 0.1 * w[i]
                m[i] = 0.9 * m[i] + 0.1 * gi
                v[i] = 0.999 * v[i] + 0.001 * gi * gi
                let mHat = m[i] / (1 - pow(0.9, Double(t + 1)))
                let vHat = v[i] / (1 - pow(0.999, Double(t + 1)))
                w[i] -= 0.01 * mHat / (vHat.squareRoot() + 1e-8)
                XCTAssertEqual(p.value[i], w[i], accuracy: 1e-14)
            }
        }
        XCTAssertEqual(adam.step, 3)
    }

    /// The value of a parameter after Adam steps with `gradients`, from a fresh optimizer
    /// that sees only this parameter.
    func alone(_ value: [Double], gradients: [[Double]]) -> Tensor<Double> {
        let adam = Adam<Double>(learningRate: 0.01)
        let p = parameter(value, gradient: gradients[0])
        for g in gradients {
            p.gradient = Tensor(g)
            adam.update([p])
        }
        return p.value
    }

    /// The moments belong to the parameter, not to its position in the array: swapping
    /// the order between steps changes nothing.
    func testMomentsFollowTheParameterNotItsPosition() {
        let adam = Adam<Double>(learningRate: 0.01)
        let a = parameter([1, 2], gradient: [3, -1])
        let b = parameter([-1, 0.5], gradient: [-0.2, 0.4])
        adam.update([a, b])
        a.gradient = Tensor([1, 1])
        b.gradient = Tensor([2, -2])
        adam.update([b, a])
        XCTAssertEqual(a.value, alone([1, 2], gradients: [[3, -1], [1, 1]]))
        XCTAssertEqual(b.value, alone([-1, 0.5], gradients: [[-0.2, 0.4], [2, -2]]))
    }

    /// A step on other parameters (of another shape) starts their own moments, and those of
    /// the first parameters are kept for their next step; each parameter's bias correction
    /// counts its own steps. (Keyed by position, the [1] moments were applied to the [3]
    /// parameter: a trap in debug builds, heap corruption in release builds.)
    func testAnotherParameterListGetsItsOwnMoments() {
        let adam = Adam<Double>(learningRate: 0.01)
        let a = parameter([1], gradient: [0.5])
        adam.update([a])
        let b = parameter([1, 2, 3], gradient: [1, -2, 0.25])
        adam.update([b])
        XCTAssertEqual(b.value, alone([1, 2, 3], gradients: [[1, -2, 0.25]]))
        a.gradient = Tensor([-3])
        adam.update([a])
        XCTAssertEqual(a.value, alone([1], gradients: [[0.5], [-3]]))
        XCTAssertEqual(adam.step, 3)
    }

    /// A parameter whose shape changed since its last step stops the program with a message
    /// naming the optimizer and both shapes (its moments no longer fit).
    func testChangedParameterShapeStopsWithAMessage() throws {
        try assertStops(withMessageContaining: "Adam: parameter 0 has shape [3], but its state (moments) was made for shape [1]") {
            let adam = Adam<Double>(learningRate: 0.01)
            let a = parameter([1], gradient: [0.5])
            adam.update([a])
            a.value = Tensor([1, 2, 3])
            a.gradient = Tensor([1, 1, 1])
            adam.update([a])
        }
    }
}

final class AdamWTests: XCTestCase {
    /// Two AdamW steps by hand: the weight shrinks by 1 − ηλ, and the moments see the
    /// gradient alone.
    func testDecoupledDecayMatchesTwoStepsByHand() {
        let (eta, lambda) = (0.01, 0.1)
        let adamW = Adam<Double>(learningRate: eta, weightDecay: lambda, decoupled: true)
        let p = Variable(Tensor([0.5, -2.0]), requiresGradient: true)
        var w = [0.5, -2.0], m = [0.0, 0], v = [0.0, 0]
        for (t, g) in [[3.0, -0.1], [1.0, 0.2]].enumerated() {
            p.gradient = Tensor(g)
            adamW.update([p])
            for i in 0..<2 {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                let mHat = m[i] / (1 - pow(0.9, Double(t + 1)))
                let vHat = v[i] / (1 - pow(0.999, Double(t + 1)))
                w[i] = w[i] * (1 - eta * lambda) - eta * mHat / (vHat.squareRoot() + 1e-8)
                XCTAssertEqual(p.value[i], w[i], accuracy: 1e-14, "step \(t + 1), element \(i)")
            }
        }
    }

    /// With a zero gradient AdamW still shrinks the weight (by exactly 1 − ηλ), while
    /// L2-coupled Adam turns the decay into a normalised step of about η: the two differ.
    func testDecoupledDecayDiffersFromL2() {
        func after(decoupled: Bool) -> [Double] {
            let adam = Adam<Double>(learningRate: 0.01, weightDecay: 0.1, decoupled: decoupled)
            let p = Variable(Tensor([0.5, -2.0]), requiresGradient: true)
            p.gradient = Tensor([0, 0])
            adam.update([p])
            return p.value.scalars
        }
        let (decoupled, coupled) = (after(decoupled: true), after(decoupled: false))
        XCTAssertEqual(decoupled[0], 0.5 * (1 - 0.001), accuracy: 1e-15)
        XCTAssertEqual(decoupled[1], -2 * (1 - 0.001), accuracy: 1e-15)
        // L2: g = λw, so at the first step m̂ = λw and √v̂ = |λw|: each weight moves by about
        // η towards zero.
        for (i, w) in [0.5, -2.0].enumerated() {
            XCTAssertEqual(coupled[i], w - 0.01 * (0.1 * w) / (abs(0.1 * w) + 1e-8), accuracy: 1e-15)
            XCTAssertGreaterThan(abs(coupled[i] - decoupled[i]), 5e-3)
        }
    }
}
