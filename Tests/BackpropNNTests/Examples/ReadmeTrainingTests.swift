import Backprop
import BackpropNN
import XCTest

/// The README's "Training a network from Swift" code, compiled and run.
final class ReadmeTrainingTests: XCTestCase {
    func testReadmeIrisSnippet() throws {
        let iris = try Dataset(csv: BundledData.iris, label: .name("species"))
        var rng = SeededGenerator(seed: 0)
        let parts = iris.shuffled(using: &rng).split(counts: [130, 20])
        let normalizer = Normalizer.minMax(fittedOn: parts[0])  // fitted on training rows only
        let training = LabeledTensors<Double>(normalizer.apply(to: parts[0]))
        let validation = LabeledTensors<Double>(normalizer.apply(to: parts[1]))

        let model = Sequential<Double>(
            Dense(
                inputSize: 4, outputSize: 5, activation: .sigmoid,
                initializer: .uniformUnit, biasInitializer: .uniformUnit, using: &rng),
            Dense(
                inputSize: 5, outputSize: 3, activation: .sigmoid,
                initializer: .uniformUnit, biasInitializer: .uniformUnit, using: &rng))
        let trainer = Trainer(
            model: model, loss: .meanHalfSquaredError,
            optimizer: SGD(learningRate: 0.2), epochs: 300, mode: .perSample)
        let history = trainer.fit(training, validation: validation)
        XCTAssertEqual(history.last!.epoch, 300)
        XCTAssertEqual(history.last!.validationAccuracy!, 1.0)
    }
}
