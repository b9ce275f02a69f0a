import Backprop
import BackpropNN
import Foundation
import XCTest

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

        let absolute = Loss<Double>(name: "mean-absolute-error") { y, t in
            ((y - t) * (y - t) + 1e-12).squareRoot().mean()
        }
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
}
