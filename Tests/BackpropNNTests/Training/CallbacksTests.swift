import Backprop
import BackpropNN
import BackpropTesting
import XCTest

/// A log shared by the callbacks of one test.
final class HookLog {
    var entries: [String] = []
}

/// Records every hook it sees, with what the loop shows it there.
struct RecordingCallback: TrainerCallback {
    let name: String
    let log: HookLog

    func note(_ hook: String, _ progress: TrainingProgress<Double>) {
        log.entries.append("\(name).\(hook) e\(progress.epoch) s\(progress.completedSteps)")
    }
    mutating func trainingWillBegin(_ progress: inout TrainingProgress<Double>) { note("trainingWillBegin", progress) }
    mutating func stepWillBegin(_ progress: inout TrainingProgress<Double>) { note("stepWillBegin", progress) }
    mutating func updateWillBegin(_ progress: inout TrainingProgress<Double>) {
        let gradients = progress.parameters.filter { $0.variable.gradient != nil }.count
        note("updateWillBegin(\(gradients) gradients)", progress)
    }
    mutating func stepDidEnd(_ progress: inout TrainingProgress<Double>) {
        let gradients = progress.parameters.filter { $0.variable.gradient != nil }.count
        note("stepDidEnd(\(gradients) gradients)", progress)
    }
    mutating func epochDidEnd(_ progress: inout TrainingProgress<Double>) {
        note("epochDidEnd(\(progress.history.epochs.count) records)", progress)
    }
    mutating func trainingDidEnd(_ progress: inout TrainingProgress<Double>) { note("trainingDidEnd", progress) }
}

final class CallbacksTests: XCTestCase {
    let data = LabeledTensors(features: Tensor<Double>(shape: [4, 1], scalars: [0.5, -1, 2, 1.5]),
                              targets: Tensor(shape: [4, 1], scalars: [1, -2, 3.5, 3]))

    func trainer(epochs: Int, mode: TrainingMode = .miniBatch(size: 2), callbacks: [any TrainerCallback<Double>])
        -> Trainer<Dense<Double>, SGD<Double>>
    {
        Trainer(model: Dense<Double>(weight: [[0.3]], bias: [-0.2]), loss: .meanHalfSquaredError,
                optimizer: SGD(learningRate: 0.1), epochs: epochs, mode: mode, shufflesEachEpoch: false,
                callbacks: callbacks)
    }

    /// The hooks run in the documented order, each callback in list order; gradients are
    /// there before the update and consumed after it.
    func testHooksRunInOrder() {
        let log = HookLog()
        _ = trainer(epochs: 2, callbacks: [RecordingCallback(name: "a", log: log), RecordingCallback(name: "b", log: log)])
            .fit(data)
        var expected: [String] = []
        func both(_ hook: String, _ epoch: Int, _ step: Int) {
            for name in ["a", "b"] { expected.append("\(name).\(hook) e\(epoch) s\(step)") }
        }
        both("trainingWillBegin", 0, 0)
        var step = 0
        for epoch in 1...2 {
            for _ in 0..<2 {
                both("stepWillBegin", epoch, step)
                both("updateWillBegin(2 gradients)", epoch, step)
                step += 1
                both("stepDidEnd(0 gradients)", epoch, step)
            }
            both("epochDidEnd(\(epoch) records)", epoch, step)
        }
        both("trainingDidEnd", 2, 4)
        XCTAssertEqual(log.entries, expected)
    }

    /// A callback that sets `stopReason` mid-epoch: the step completes, the epoch is
    /// recorded with the steps taken, and the reason is in the history.
    func testAStopRequestEndsTrainingAfterTheStep() {
        struct StopAtStep: TrainerCallback {
            mutating func stepDidEnd(_ progress: inout TrainingProgress<Double>) {
                if progress.completedSteps == 3 { progress.stopReason = "enough" }
            }
        }
        let log = HookLog()
        let history = trainer(epochs: 5, callbacks: [StopAtStep(), RecordingCallback(name: "r", log: log)]).fit(data)
        XCTAssertEqual(history.stopReason, "enough")
        XCTAssertEqual(history.epochs.count, 2, "the second epoch ended after its first step")
        XCTAssertEqual(log.entries.filter { $0.contains("stepDidEnd") }.count, 3)
        XCTAssertEqual(log.entries.suffix(2), ["r.epochDidEnd(2 records) e2 s3", "r.trainingDidEnd e2 s3"])
        XCTAssertFalse(history.stoppedEarly, "stoppedEarly is early stopping's mark")
    }

    /// A rate set in `stepWillBegin` is the rate of that step's update.
    func testTheRateSetBeforeAStepIsTheRateOfItsUpdate() {
        struct HalveOddSteps: TrainerCallback {
            mutating func stepWillBegin(_ progress: inout TrainingProgress<Double>) {
                if progress.completedSteps % 2 == 1 { progress.learningRate /= 2 }
            }
        }
        let t = trainer(epochs: 2, mode: .fullBatch, callbacks: [HalveOddSteps()])
        let history = t.fit(data)
        // Full-batch gradient descent on ½(wx + b − y)² averaged, rates 0.1 then 0.05.
        var (w, b) = (0.3, -0.2)
        for eta in [0.1, 0.05] {
            var (gw, gb) = (0.0, 0.0)
            for i in 0..<4 {
                let e = w * data.features[i, 0] + b - data.targets[i, 0]
                gw += e * data.features[i, 0] / 4
                gb += e / 4
            }
            (w, b) = (w - eta * gw, b - eta * gb)
        }
        XCTAssertEqual(t.model.weight.value[0, 0], w, accuracy: 1e-15)
        XCTAssertEqual(t.model.bias.value[0], b, accuracy: 1e-15)
        XCTAssertEqual(history.epochs.map(\.learningRate), [0.1, 0.05])
        XCTAssertEqual(t.optimizer.learningRate, 0.1, "fit puts the base rate back")
    }

    /// Changing the rate where it cannot take effect stops with a message naming the
    /// callback and the hook.
    func testChangingTheRateAfterTheUpdateStopsWithAMessage() throws {
        struct LateRate: TrainerCallback {
            mutating func stepDidEnd(_ progress: inout TrainingProgress<Double>) { progress.learningRate = 1 }
        }
        try assertStops(withMessageContaining: "Trainer: callback LateRate changed the learning rate from 0.1 to 1.0 in stepDidEnd") {
            _ = trainer(epochs: 1, callbacks: [LateRate()]).fit(data)
        }
    }

    /// Each fit starts the trainer's callbacks from the state they were given with.
    func testEveryFitStartsFromTheCallbacksAsGiven() {
        struct CountSteps: TrainerCallback {
            var count = 0
            let log: HookLog
            mutating func stepDidEnd(_ progress: inout TrainingProgress<Double>) {
                count += 1
                log.entries.append(String(count))
            }
        }
        let log = HookLog()
        let t = trainer(epochs: 1, callbacks: [CountSteps(log: log)])
        _ = t.fit(data)
        _ = t.fit(data)
        XCTAssertEqual(log.entries, ["1", "2", "1", "2"])
    }
}
