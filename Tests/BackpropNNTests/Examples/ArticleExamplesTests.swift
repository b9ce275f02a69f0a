import Backprop
import BackpropNN
import Foundation
import XCTest

/// The article's loss, at file scope as a reader's top-level code has it: a global constant,
/// which Swift 6 accepts only for a `Sendable` type.
let absolute = Loss<Double>(name: "mean-absolute-error") { y, t in
    ((y - t) * (y - t) + 1e-12).squareRoot().mean()
}

/// The code of the DocC articles, compiled and run, so the documentation cannot drift.
final class ArticleExamplesTests: XCTestCase {
    struct FeatureScale: Layer {
        let scale: Variable<Double>
        init(features: Int) { scale = Variable(Tensor.ones([features]), requiresGradient: true) }
        func callAsFunction(_ input: Variable<Double>) -> Variable<Double> { input * scale }
        var namedParameters: [NamedParameter<Double>] { [NamedParameter("scale", scale)] }
    }

    final class SignDescent: Optimizer {
        var learningRate = 0.01
        func update(_ parameters: [Variable<Double>]) {
            for p in parameters {
                guard let g = p.gradient else { continue }
                p.value = p.value - g.map { $0 > 0 ? learningRate : $0 < 0 ? -learningRate : 0 }
                p.gradient = nil
            }
        }
    }

    func testGettingStartedAndWritingAModelOfYourOwn() throws {
        let iris = try Dataset(csv: BundledData.iris, label: .name("species"))
        var rng = SeededGenerator(seed: 0)
        let parts = iris.shuffled(using: &rng).split(counts: [130, 20])
        let normalizer = Normalizer.minMax(fittedOn: parts[0])
        let training = LabeledTensors<Double>(normalizer.apply(to: parts[0]))
        let validation = LabeledTensors<Double>(normalizer.apply(to: parts[1]))

        let model = Sequential<Double>(
            FeatureScale(features: 4),
            Dense(inputSize: 4, outputSize: 8, activation: .tanh, using: &rng),
            Dense(inputSize: 8, outputSize: 3, using: &rng))
        XCTAssertEqual(model.namedParameters.first?.name, "0.scale")
        let history = Trainer(model: model, loss: .crossEntropy, optimizer: Adam(learningRate: 0.01),
                              epochs: 30, mode: .miniBatch(size: 16))
            .fit(training, validation: validation)
        XCTAssertGreaterThan(history.last!.validationAccuracy!, 0.8)
        XCTAssertNotEqual(model.parameters[0].value, Tensor.ones([4]), "the user layer's parameter was trained")

        let simple = Sequential<Double>(Dense(inputSize: 4, outputSize: 3, using: &rng))
        let before = evaluate(simple, on: training, loss: absolute).loss
        _ = Trainer(model: simple, loss: absolute, optimizer: SignDescent(), epochs: 5, mode: .fullBatch).fit(training)
        XCTAssertLessThan(evaluate(simple, on: training, loss: absolute).loss, before)

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("article-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint(model: model).write(to: url)
        var other = SeededGenerator(seed: 5)
        let rebuilt = Sequential<Double>(
            FeatureScale(features: 4), Dense(inputSize: 4, outputSize: 8, activation: .tanh, using: &other),
            Dense(inputSize: 8, outputSize: 3, using: &other))
        try Checkpoint.read(from: url).load(into: rebuilt)
        XCTAssertEqual(rebuilt.predict(validation.features), model.predict(validation.features))
    }

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
