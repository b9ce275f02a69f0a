import Backprop
import BackpropNN
import BackpropTesting
import XCTest

final class SequentialCheckpointingTests: XCTestCase {
    func testCheckpointIntervalGivesTheSameGradientsBitForBit() {
        var rng = SeededGenerator(seed: 4)
        var model = Sequential<Double>.multilayerPerceptron(
            inputSize: 3, hidden: [5, 5, 5, 5], outputSize: 2, activation: .relu, outputActivation: .identity,
            using: &rng)
        let x = Variable(Tensor<Double>.uniform([6, 3], in: -1..<1, using: &rng))
        let plain = gradients(of: model(x).squared().sum(), withRespectTo: model.parameters)
        for interval in [1, 2, 3, 5] {
            model.checkpointInterval = interval
            let checkpointed = model(x)
            XCTAssertEqual(checkpointed.op, "checkpointed")
            let g = gradients(of: checkpointed.squared().sum(), withRespectTo: model.parameters)
            for (a, b) in zip(g, plain) { XCTAssertEqual(a.scalars, b.scalars, "interval \(interval)") }
        }
        // Predictions record nothing and ignore the interval.
        XCTAssertEqual(model.predict(x.value).scalars, withoutGradients { model(x) }.value.scalars)
    }

    func testDropoutInASegmentIsRefused() throws {
        try assertStops(withMessageContaining: "Sequential: checkpointInterval 2 puts a Dropout layer in a checkpointed segment") {
            var model = Sequential<Double>(Dense(weight: .zeros([2, 2]), bias: .zeros([2])), Dropout(rate: 0.5))
            model.checkpointInterval = 2
            _ = model(Variable(Tensor<Double>.zeros([1, 2])))
        }
    }
}
