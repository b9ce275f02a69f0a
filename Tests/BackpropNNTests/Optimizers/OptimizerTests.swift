import Backprop
import BackpropNN
import XCTest

final class OptimizerTests: XCTestCase {
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

    func testParametersWithoutGradientAreLeftAlone() {
        let p = Variable(Tensor<Double>([1]), requiresGradient: true)
        Adam<Double>().update([p])
        SGD<Double>(learningRate: 1, momentum: 0.5).update([p])
        XCTAssertEqual(p.value, [1])
    }

    func testLearningRateSchedules() {
        XCTAssertEqual(LearningRateSchedule.constant.rate(base: 0.3, epoch: 7), 0.3)
        XCTAssertEqual(LearningRateSchedule.step(every: 10, factor: 0.5).rate(base: 0.1, epoch: 25), 0.025, accuracy: 1e-15)
        XCTAssertEqual(LearningRateSchedule.exponential(decay: 0.9).rate(base: 1, epoch: 2), 0.81, accuracy: 1e-15)
        let cosine = LearningRateSchedule.cosine(epochs: 10, minimum: 0.1)
        XCTAssertEqual(cosine.rate(base: 1, epoch: 0), 1, accuracy: 1e-15)
        XCTAssertEqual(cosine.rate(base: 1, epoch: 5), 0.55, accuracy: 1e-12)
        XCTAssertEqual(cosine.rate(base: 1, epoch: 10), 0.1, accuracy: 1e-12)
    }

    /// An optimizer of one's own plugs into the trainer through the protocol.
    final class SignDescent: Optimizer {
        var learningRate: Double = 0.01
        var calls = 0
        func update(_ parameters: [Variable<Double>]) {
            calls += 1
            for p in parameters {
                guard let g = p.gradient else { continue }
                p.value = p.value - g.map { $0 > 0 ? learningRate : $0 < 0 ? -learningRate : 0 }
                p.gradient = nil
            }
        }
    }

    func testCustomOptimizerWorksWithTheTrainer() {
        let optimizer = SignDescent()
        let model = Sequential<Double>(Dense(weight: [[0]], bias: [0]))
        let data = LabeledTensors<Double>(features: [[1], [2]], targets: [[2], [4]])
        _ = Trainer(model: model, loss: .meanSquaredError, optimizer: optimizer, epochs: 3, mode: .fullBatch).fit(data)
        XCTAssertEqual(optimizer.calls, 3)
        XCTAssertEqual(model.parameters[0].value[0, 0], 0.03, accuracy: 1e-15)
    }
}
