// The article "Writing a model of your own" (BackpropNN.docc/WritingAModelOfYourOwn.md):
// each of its examples is a snippet here, word for word (DocumentationTests checks it).

// snippet: own-layer
import Backprop
import BackpropNN

struct FeatureScale: Layer {
    let scale: Variable<Double>

    init(features: Int) {
        scale = Variable(Tensor.ones([features]), requiresGradient: true)
    }

    func callAsFunction(_ input: Variable<Double>) -> Variable<Double> {
        input * scale   // broadcast over the rows; the gradient is summed back to [features]
    }
}
// end snippet: own-layer

import Foundation
import XCTest

// snippet: own-model
struct Classifier: Layer {
    let scale: FeatureScale
    let hidden: Dense<Double>
    let output: Dense<Double>

    init(features: Int, width: Int, classes: Int, using rng: inout SeededGenerator) {
        scale = FeatureScale(features: features)
        hidden = Dense(inputSize: features, outputSize: width, activation: .tanh, using: &rng)
        output = Dense(inputSize: width, outputSize: classes, using: &rng)
    }

    func callAsFunction(_ input: Variable<Double>) -> Variable<Double> {
        output(hidden(scale(input)))
    }
}
// end snippet: own-model

// snippet: own-codable
extension FeatureScale: CodableLayer {
    var configuration: Int { scale.shape[0] }    // the number of features
    init(configuration features: Int) { self.init(features: features) }
}

extension Classifier: CodableLayer {
    struct Configuration: Codable { var features, width, classes: Int }

    var configuration: Configuration {
        Configuration(features: hidden.inputSize, width: hidden.outputSize, classes: output.outputSize)
    }

    init(configuration c: Configuration) {
        var rng = SeededGenerator(seed: 0)        // the checkpoint's values replace these
        self.init(features: c.features, width: c.width, classes: c.classes, using: &rng)
    }
}
// end snippet: own-codable

// The article's loss is at file scope, as a reader's top-level code has it: a global
// constant, which Swift 6 accepts only for a `Sendable` type.
// snippet: own-loss-optimizer
let absolute = Loss<Double>(name: "mean-absolute-error") { y, t in
    ((y - t) * (y - t) + 1e-12).squareRoot().mean()
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
// end snippet: own-loss-optimizer

final class WritingAModelOfYourOwnTests: XCTestCase {
    func testTheArticle() throws {
        let iris = try Dataset(csv: BundledData.iris, label: .name("species"))
        var shuffle = SeededGenerator(seed: 0)
        let parts = iris.shuffled(using: &shuffle).split(counts: [130, 20])
        let normalizer = Normalizer.minMax(fittedOn: parts[0])
        let training = LabeledTensors<Double>(normalizer.apply(to: parts[0]))
        let validation = LabeledTensors<Double>(normalizer.apply(to: parts[1]))

        // snippet: own-training
        var rng = SeededGenerator(seed: 0)
        let classifier = Classifier(features: 4, width: 8, classes: 3, using: &rng)
        print(classifier.namedParameters.map(\.name))
        // ["scale.scale", "hidden.weight", "hidden.bias", "output.weight", "output.bias"]
        let history = Trainer(model: classifier, loss: .crossEntropy, optimizer: Adam(learningRate: 0.01),
                              epochs: 100, mode: .miniBatch(size: 16))
            .fit(training, validation: validation)

        let model = Sequential<Double>(
            FeatureScale(features: 4),
            Dense(inputSize: 4, outputSize: 8, activation: .tanh, using: &rng),
            Dense(inputSize: 8, outputSize: 3, using: &rng))
        // end snippet: own-training
        XCTAssertEqual(
            classifier.namedParameters.map(\.name),
            ["scale.scale", "hidden.weight", "hidden.bias", "output.weight", "output.bias"])
        XCTAssertGreaterThan(history.last!.validationAccuracy!, 0.8)
        XCTAssertNotEqual(classifier.scale.scale.value, Tensor.ones([4]), "the layer's own parameter was trained")
        XCTAssertEqual(model.namedParameters.first?.name, "0.scale")

        let hidden = classifier.hidden.weight.value
        let output = classifier.output.weight.value
        // snippet: own-freezing
        classifier.hidden.freeze()                    // train only the scale and the output layer
        print(classifier.trainableParameters.map(\.name))
        // ["scale.scale", "output.weight", "output.bias"]
        _ = Trainer(model: classifier, loss: .crossEntropy, optimizer: Adam(learningRate: 0.01),
                    epochs: 20, mode: .miniBatch(size: 16)).fit(training)
        classifier.hidden.unfreeze()
        // end snippet: own-freezing
        XCTAssertEqual(classifier.hidden.weight.value, hidden, "frozen: unchanged by training")
        XCTAssertNotEqual(classifier.output.weight.value, output)
        XCTAssertEqual(classifier.trainableParameters.count, 5)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("own-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("classifier.json")
        let sequentialURL = directory.appendingPathComponent("sequential.json")
        let parametersURL = directory.appendingPathComponent("parameters.json")
        // snippet: own-saving
        try Checkpoint(model: classifier).write(to: url)
        let restored = try Checkpoint.read(from: url).makeModel(Classifier.self)

        try Checkpoint(model: model).write(to: sequentialURL)
        let rebuilt = try Checkpoint.read(from: sequentialURL)
            .makeModel(as: Double.self, layerTypes: [FeatureScale.self])
        // end snippet: own-saving
        XCTAssertEqual(restored.predict(validation.features), classifier.predict(validation.features))
        XCTAssertEqual(rebuilt.namedParameters.map(\.name), model.namedParameters.map(\.name))
        XCTAssertEqual(rebuilt.predict(validation.features), model.predict(validation.features))

        var other = SeededGenerator(seed: 5)
        let modelBuiltInCode = Sequential<Double>(
            FeatureScale(features: 4), Dense(inputSize: 4, outputSize: 8, activation: .tanh, using: &other),
            Dense(inputSize: 8, outputSize: 3, using: &other))
        // snippet: own-parameters-only
        try Checkpoint(model: model, parametersOnly: true).write(to: parametersURL)
        try Checkpoint.read(from: parametersURL).load(into: modelBuiltInCode)
        // end snippet: own-parameters-only
        XCTAssertNil(try Checkpoint.read(from: parametersURL).layers)
        XCTAssertEqual(modelBuiltInCode.predict(validation.features), model.predict(validation.features))

        let simple = Sequential<Double>(Dense(inputSize: 4, outputSize: 3, using: &rng))
        let before = evaluate(simple, on: training, loss: absolute).loss
        _ = Trainer(model: simple, loss: absolute, optimizer: SignDescent(), epochs: 5, mode: .fullBatch).fit(training)
        XCTAssertLessThan(evaluate(simple, on: training, loss: absolute).loss, before)
    }
}
