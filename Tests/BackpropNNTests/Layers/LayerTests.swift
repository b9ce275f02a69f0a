import Backprop
import BackpropNN
import XCTest

private struct TwoPart: Layer {
    let body: Sequential<Double>
    let head: Dense<Double>
    func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { head(body(x)) }
}

/// Freezing parameters and sub-models.
final class LayerTests: XCTestCase {
    fileprivate func makeModel() -> TwoPart {
        var rng = SeededGenerator(seed: 3)
        return TwoPart(
            body: Sequential(Dense(inputSize: 2, outputSize: 3, activation: .tanh, using: &rng)),
            head: Dense(inputSize: 3, outputSize: 1, using: &rng))
    }

    let data = LabeledTensors(features: Tensor<Double>(shape: [4, 2], scalars: [1, 0, 0, 1, 1, 1, 0.5, -1]),
                              targets: Tensor(shape: [4, 1], scalars: [1, -1, 0.5, 2]))

    fileprivate func train(_ model: TwoPart) {
        let trainer = Trainer(model: model, loss: .meanSquaredError,
                              optimizer: Adam(learningRate: 0.05, weightDecay: 0.1), epochs: 3, mode: .miniBatch(size: 2))
        _ = trainer.fit(data)
    }

    func testAFrozenSubModelIsNotTrainedAndIsStillListed() {
        let model = makeModel()
        model.body.freeze()
        let before = model.namedParameters.map(\.variable.value)
        XCTAssertEqual(model.namedParameters.count, 4)
        XCTAssertEqual(model.trainableParameters.map(\.name), ["head.weight", "head.bias"])
        XCTAssertEqual(model.trainableParameterCount, 4)
        XCTAssertEqual(model.parameterCount, 13)
        train(model)
        let after = model.namedParameters.map(\.variable.value)
        XCTAssertEqual(after[0], before[0])
        XCTAssertEqual(after[1], before[1])
        XCTAssertNotEqual(after[2], before[2])
        // Thawed, it trains again.
        model.unfreeze()
        train(model)
        XCTAssertNotEqual(model.body.namedParameters[0].variable.value, before[0])
    }

    func testFreezingByNameAndFrozenGradientsAreNotComputed() {
        let model = makeModel()
        model.freeze("head.bias")
        XCTAssertEqual(model.trainableParameters.map(\.name), ["body.0.weight", "body.0.bias", "head.weight"])
        let loss = Loss<Double>.meanSquaredError.callAsFunction(model(Variable(data.features)), Variable(data.targets))
        loss.backward()
        XCTAssertNil(model.head.bias.gradient)
        XCTAssertNotNil(model.head.weight.gradient)
    }
}
