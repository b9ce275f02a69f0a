import Backprop
import BackpropNN
import XCTest

final class OptimizerTests: XCTestCase {
    func testParametersWithoutGradientAreLeftAlone() {
        let p = Variable(Tensor<Double>([1]), requiresGradient: true)
        Adam<Double>().update([p])
        SGD<Double>(learningRate: 1, momentum: 0.5).update([p])
        XCTAssertEqual(p.value, [1])
    }

    /// Issue 6: a parameter that does not require a gradient (a frozen weight) is left
    /// alone too, and an update with nothing to do changes nothing.
    func testFrozenParametersAndEmptyUpdatesAreLeftAlone() {
        let frozen = Variable(Tensor<Double>([1, 2]))
        let trained = Variable(Tensor<Double>([1, 2]), requiresGradient: true)
        (frozen * trained).sum().backward()
        XCTAssertNil(frozen.gradient)
        let adam = Adam<Double>(learningRate: 0.1)
        adam.update([frozen, trained])
        XCTAssertEqual(frozen.value, [1, 2])
        XCTAssertNotEqual(trained.value, [1, 2])
        XCTAssertNil(trained.gradient, "update resets the gradients")
        let sgd = SGD<Double>(learningRate: 1)
        sgd.update([])
        sgd.update([frozen])
        XCTAssertEqual(frozen.value, [1, 2])
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
