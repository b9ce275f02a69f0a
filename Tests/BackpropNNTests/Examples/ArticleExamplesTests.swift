import Backprop
import BackpropNN
import Foundation
import XCTest

/// The code of the DocC articles, compiled and run, so the documentation cannot drift.
final class ArticleExamplesTests: XCTestCase {
    /// "Your first CNN", with one epoch instead of 20 (the command-line run trains 20).
    func testYourFirstCNN() throws {
        let digits = try Dataset(csv: BundledData.digits, label: .name("label"))
        var rng = SeededGenerator(seed: 0)
        let parts = digits.shuffled(using: &rng).split(validationFraction: 0.1, testFraction: 0.2)
        let normalizer = Normalizer.minMax(fittedOn: parts.training)
        let training = LabeledTensors<Float>(normalizer.apply(to: parts.training))
        let validation = LabeledTensors<Float>(normalizer.apply(to: parts.validation))
        let test = normalizer.apply(to: parts.test)
        let model = Sequential<Float>(
            Reshape(sampleShape: [1, 8, 8]),
            Conv2D(.init(inChannels: 1, outChannels: 16, kernelSize: 3, padding: 1, activation: .relu), using: &rng),
            MaxPool2D(kernelSize: 2),
            Conv2D(.init(inChannels: 16, outChannels: 32, kernelSize: 3, padding: 1, activation: .relu), using: &rng),
            MaxPool2D(kernelSize: 2),
            Flatten(),
            Dense(inputSize: 128, outputSize: 10, using: &rng))
        XCTAssertEqual(model.parameterCount, 6090)
        let trainer = Trainer(
            model: model, loss: .crossEntropy, optimizer: Adam(learningRate: 1e-3), epochs: 1,
            mode: .miniBatch(size: 32), seed: 0)
        let history = trainer.fit(training, validation: validation)
        XCTAssertLessThan(history.epochs[0].trainingLoss, log(10.0), "one epoch learns something")
        let predicted = predictedClasses(model.predict(test.featureTensor()))
        let confusion = ConfusionMatrix(
            predicted: predicted, labels: test.labels, classCount: 10, classNames: test.classNames)
        XCTAssertGreaterThan(confusion.accuracy, 0.5)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("digits-cnn-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint(model: model, classNames: test.classNames).write(to: url)
        let restored: Sequential<Float> = try Checkpoint.read(from: url).makeModel()
        XCTAssertEqual(restored.predict(test.featureTensor()), model.predict(test.featureTensor()))
    }
}
