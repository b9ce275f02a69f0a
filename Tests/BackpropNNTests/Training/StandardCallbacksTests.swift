import Backprop
import BackpropNN
import BackpropTesting
import Foundation
import XCTest

final class StandardCallbacksTests: XCTestCase {
    let xs: [Double] = [0.5, -1, 2, 1.5]
    let ys: [Double] = [1, -2, 3.5, 3]
    var data: LabeledTensors<Double> {
        LabeledTensors(features: Tensor(shape: [4, 1], scalars: xs), targets: Tensor(shape: [4, 1], scalars: ys))
    }

    /// The full-batch gradient of the mean of ½(wx + b − y)² at (w, b).
    func gradient(_ w: Double, _ b: Double) -> (w: Double, b: Double) {
        var (gw, gb) = (0.0, 0.0)
        for i in xs.indices {
            let e = w * xs[i] + b - ys[i]
            gw += e * xs[i] / Double(xs.count)
            gb += e / Double(xs.count)
        }
        return (gw, gb)
    }

    func fullBatchTrainer(epochs: Int, rate: Double = 0.1, callbacks: [any TrainerCallback<Double>])
        -> Trainer<Dense<Double>, SGD<Double>>
    {
        Trainer(model: Dense<Double>(weight: [[0.3]], bias: [-0.2]), loss: .meanHalfSquaredError,
                optimizer: SGD(learningRate: rate), epochs: epochs, mode: .fullBatch, callbacks: callbacks)
    }

    /// Each SGD step applies the gradient scaled to global norm c when its norm is above c,
    /// as computed by hand.
    func testClippingByGlobalNormBoundsTheStepApplied() {
        let c = 0.05
        let t = fullBatchTrainer(epochs: 3, callbacks: [GradientClipping(maximumNorm: c)])
        _ = t.fit(data)
        var (w, b) = (0.3, -0.2)
        for _ in 0..<3 {
            let g = gradient(w, b)
            let norm = (g.w * g.w + g.b * g.b).squareRoot()
            XCTAssertGreaterThan(norm, c, "the test needs steps that are clipped")
            (w, b) = (w - 0.1 * g.w * c / norm, b - 0.1 * g.b * c / norm)
        }
        XCTAssertEqual(t.model.weight.value[0, 0], w, accuracy: 1e-15)
        XCTAssertEqual(t.model.bias.value[0], b, accuracy: 1e-15)
    }

    func testClippingByValueClampsEachElement() {
        let c = 0.5
        let t = fullBatchTrainer(epochs: 3, callbacks: [GradientClipping(maximumMagnitude: c)])
        _ = t.fit(data)
        var (w, b) = (0.3, -0.2)
        var clamped = 0
        for _ in 0..<3 {
            let g = gradient(w, b)
            if abs(g.w) > c || abs(g.b) > c { clamped += 1 }
            (w, b) = (w - 0.1 * min(max(g.w, -c), c), b - 0.1 * min(max(g.b, -c), c))
        }
        XCTAssertGreaterThan(clamped, 0, "the test needs clamped elements")
        XCTAssertEqual(t.model.weight.value[0, 0], w, accuracy: 1e-15)
        XCTAssertEqual(t.model.bias.value[0], b, accuracy: 1e-15)
    }

    /// The rate of every step (read from the optimizer after the update) follows the closed
    /// forms η₀ min(1, (s + 1)/W) and ηₘ + (η₀ − ηₘ)(1 + cos(π s/S))/2.
    func testWarmupAndCosineRatesPerStepFollowTheClosedForms() {
        func rates(_ schedule: StepLearningRateSchedule, epochs: Int) -> [Double] {
            var seen: [Double] = []
            let t = Trainer(model: Dense<Double>(weight: [[0.3]], bias: [-0.2]), loss: .meanHalfSquaredError,
                            optimizer: SGD(learningRate: 0.2), epochs: epochs, mode: .miniBatch(size: 2),
                            callbacks: [LearningRateScheduler(schedule),
                                        StepLogger(every: 1) { seen.append(Double($0.optimizer.learningRate)) }])
            _ = t.fit(data)
            return seen
        }
        let warmup = rates(.linearWarmup(steps: 5), epochs: 4)
        XCTAssertEqual(warmup.count, 8)
        for (s, rate) in warmup.enumerated() {
            XCTAssertEqual(rate, 0.2 * min(1, Double(s + 1) / 5), accuracy: 1e-16, "step \(s)")
        }
        let (total, minimum) = (6, 0.01)
        let cosine = rates(.warmupCosine(warmupSteps: 0, totalSteps: total, minimum: minimum), epochs: 4)
        for (s, rate) in cosine.enumerated() {
            let expected = minimum + (0.2 - minimum) * (1 + cos(Double.pi * Double(min(s, total)) / Double(total))) / 2
            XCTAssertEqual(rate, expected, accuracy: 1e-16, "step \(s)")
        }
    }

    /// The validation loss rises every epoch (its targets contradict the training targets),
    /// so with patience 2 the rate halves after epochs 3, 5, 7, …: the epochs after each
    /// run at the reduced rate.
    func testReduceOnPlateauReducesAfterPatienceEpochs() {
        let validation = LabeledTensors<Double>(features: data.features, targets: data.targets.map { -$0 })
        let t = fullBatchTrainer(epochs: 7, rate: 0.05,
                                 callbacks: [ReduceLearningRateOnPlateau(factor: 0.5, patience: 2)])
        let history = t.fit(data, validation: validation)
        let losses = history.epochs.compactMap(\.validationLoss)
        XCTAssertTrue(zip(losses, losses.dropFirst()).allSatisfy { $0 < $1 }, "the test needs a rising loss: \(losses)")
        // Epoch 1 sets the best; epochs 2, 3 do not improve → reduce; 4, 5 → reduce; 6, 7 → reduce.
        XCTAssertEqual(history.epochs.map(\.learningRate), [0.05, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125])
    }

    /// The rate never goes below the minimum. With a huge minimum improvement only the
    /// first epoch improves (on no loss at all), so with patience 1 every later epoch
    /// reduces: 0.05 → 0.005 → 0.0005, held at the minimum 0.001.
    func testReduceOnPlateauKeepsTheMinimumRate() {
        let t = fullBatchTrainer(epochs: 5, rate: 0.05,
                                 callbacks: [ReduceLearningRateOnPlateau(factor: 0.1, patience: 1,
                                                                         minimumImprovement: 1e9, minimumRate: 0.001)])
        let rates = t.fit(data, validation: data).epochs.map(\.learningRate)
        XCTAssertEqual(rates.count, 5)
        for (rate, expected) in zip(rates, [0.05, 0.05, 0.005, 0.001, 0.001]) {
            XCTAssertEqual(rate, expected, accuracy: 1e-17, "\(rates)")
        }
    }

    /// Early stopping as a callback stops at the same epoch, with the same parameters and
    /// marks, as `Trainer.earlyStopping`.
    func testEarlyStoppingAsACallbackStopsWhereTheTrainerOptionDoes() {
        let validation = LabeledTensors<Double>(features: data.features, targets: data.targets.map { -$0 })
        let rule = EarlyStopping(patience: 3)
        var viaOption = fullBatchTrainer(epochs: 50, rate: 0.05, callbacks: [])
        viaOption.earlyStopping = rule
        let viaCallback = fullBatchTrainer(epochs: 50, rate: 0.05, callbacks: [EarlyStoppingCallback(rule)])
        let a = viaOption.fit(data, validation: validation)
        let b = viaCallback.fit(data, validation: validation)
        XCTAssertEqual(a.epochs.count, 4)
        XCTAssertEqual(b.epochs.count, 4)
        XCTAssertEqual([a.bestEpoch, b.bestEpoch], [1, 1])
        XCTAssertTrue(a.stoppedEarly && b.stoppedEarly)
        XCTAssertEqual(a.stopReason, "early stopping: the validation loss has not improved for 3 epochs")
        XCTAssertEqual(a.stopReason, b.stopReason)
        XCTAssertEqual(viaOption.model.weight.value, viaCallback.model.weight.value)
        XCTAssertEqual(viaOption.model.bias.value, viaCallback.model.bias.value)
    }

    func testStepLoggerCallsEveryNSteps() {
        var logged: [(Int, Int, Double)] = []
        let t = Trainer(model: Dense<Double>(weight: [[0.3]], bias: [-0.2]), loss: .meanHalfSquaredError,
                        optimizer: SGD(learningRate: 0.1), epochs: 5, mode: .miniBatch(size: 2),
                        callbacks: [StepLogger(every: 3) { logged.append(($0.epoch, $0.completedSteps, $0.loss)) }])
        _ = t.fit(data)
        XCTAssertEqual(logged.map(\.1), [3, 6, 9])
        XCTAssertEqual(logged.map(\.0), [2, 3, 5])
        XCTAssertTrue(logged.allSatisfy { $0.2.isFinite && $0.2 > 0 })
    }

    /// Checkpoints every N steps through a closure (called at steps N, 2N, …) and to a file
    /// (holding the model as it was after the last multiple of N).
    func testPeriodicCheckpointsSaveEveryNSteps() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bp-periodic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("run.json")
        var saved: [Int: Tensor<Double>] = [:]
        let t = fullBatchTrainer(epochs: 5, callbacks: [
            PeriodicCheckpoint(every: 2) { saved[$0.completedSteps] = $0.parameters[0].variable.value },
            PeriodicCheckpoint(every: 2, to: url),
        ])
        _ = t.fit(data)
        XCTAssertEqual(saved.keys.sorted(), [2, 4])
        let restored = Dense<Double>(weight: [[0]], bias: [0])
        try Checkpoint.read(from: url).load(into: restored)
        XCTAssertEqual(restored.weight.value, saved[4])
        XCTAssertNotEqual(restored.weight.value, t.model.weight.value, "step 5 came after the last save")
    }

    /// A checkpoint that cannot be written stops training, naming the step and the error.
    func testAFailedCheckpointStopsTraining() {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bp-missing-\(UUID().uuidString)")
        let t = fullBatchTrainer(epochs: 10, callbacks: [PeriodicCheckpoint(every: 3, to: directory.appendingPathComponent("x.json"))])
        let history = t.fit(data)
        XCTAssertEqual(history.epochs.count, 3)
        let reason = history.stopReason ?? ""
        XCTAssertTrue(reason.hasPrefix("the checkpoint after step 3 failed: "), reason)
        XCTAssertTrue(reason.contains("x.json"), reason)
    }
}
