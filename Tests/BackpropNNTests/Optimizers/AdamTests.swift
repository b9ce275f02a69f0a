import Backprop
import BackpropNN
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
}
