import Backprop
import BackpropNN
import Foundation
import XCTest

/// The code of the article "Training loops: callbacks, loops of your own, resuming",
/// compiled and run on the Iris data.
final class TrainingLoopsArticleTests: XCTestCase {
    struct StopBelow: TrainerCallback {
        var loss: Double
        mutating func stepDidEnd(_ progress: inout TrainingProgress<Double>) {
            if progress.loss < loss { progress.stopReason = "loss below \(loss)" }
        }
    }

    func testTheArticlesCodeRuns() throws {
        let iris = try Dataset(csv: BundledData.iris, label: .name("species"))
        var rng = SeededGenerator(seed: 0)
        let parts = iris.shuffled(using: &rng).split(counts: [130, 20])
        let normalizer = Normalizer.minMax(fittedOn: parts[0])
        let training = LabeledTensors<Double>(normalizer.apply(to: parts[0]))
        let validation = LabeledTensors<Double>(normalizer.apply(to: parts[1]))
        let model = Sequential<Double>(Dense(inputSize: 4, outputSize: 8, activation: .tanh, using: &rng),
                                       Dense(inputSize: 8, outputSize: 3, using: &rng))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }

        var logged = 0
        var trainer = Trainer(model: model, loss: .crossEntropy, optimizer: Adam(learningRate: 0.01),
                              epochs: 60, mode: .miniBatch(size: 16))
        trainer.callbacks = [
            GradientClipping(maximumNorm: 1),
            LearningRateScheduler(.warmupCosine(warmupSteps: 20, totalSteps: 480, minimum: 1e-4)),
            ReduceLearningRateOnPlateau(factor: 0.5, patience: 5),
            StepLogger(every: 100) { _ in logged += 1 },
            PeriodicCheckpoint(every: 200, to: url),
        ]
        trainer.earlyStopping = EarlyStopping(patience: 10)
        let history = trainer.fit(training, validation: validation)
        XCTAssertEqual(logged, history.epochs.count * 9 / 100, "130 rows: 9 steps per epoch")
        XCTAssertGreaterThan(history.last!.validationAccuracy!, 0.8)
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.path))

        let stopped = Trainer(model: model, loss: .crossEntropy, optimizer: SGD(learningRate: 0.01), epochs: 5,
                              callbacks: [StopBelow(loss: 10)]).fit(training)
        XCTAssertEqual(stopped.stopReason, "loss below 10.0")

        let batches = MiniBatches(training, batchSize: 16, seed: 0)
        let rmsProp = RMSProp<Double>(learningRate: 0.01)
        for _ in 0..<20 {
            for (inputs, targets) in batches {
                let loss = Loss<Double>.crossEntropy(model(Variable(inputs)), Variable(targets))
                loss.backward()
                clipGradients(of: model.parameters, toGlobalNorm: 1)
                rmsProp.update(model.parameters)
            }
        }
        XCTAssertEqual(rmsProp.step, 20 * 9)

        let adam = Adam<Double>(learningRate: 0.01)
        try Checkpoint.read(from: url).load(into: model, optimizer: adam)
        XCTAssertGreaterThan(adam.step, 0)
        trainer = Trainer(model: model, loss: .crossEntropy, optimizer: adam, epochs: 10, mode: .fullBatch)
        _ = trainer.fit(training)

        let metrics = RegressionMetrics(predicted: model.predict(validation.features), targets: validation.targets)
        XCTAssertTrue(metrics.rootMeanSquaredError.isFinite)
        let matrix = ConfusionMatrix(predicted: predictedClasses(model.predict(validation.features)),
                                     labels: validation.labels, classCount: 3)
        XCTAssertEqual(matrix.f1.count, 3)
    }
}
