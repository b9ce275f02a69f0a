import Backprop
import BackpropNN
import XCTest

final class TrainerTests: XCTestCase {
    let xs: [Double] = [0.5, -1, 2, 1.5, 0]
    let ys: [Double] = [1, -2, 3.5, 3, 0.5]
    var data: LabeledTensors<Double> {
        LabeledTensors(features: Tensor(shape: [5, 1], scalars: xs), targets: Tensor(shape: [5, 1], scalars: ys))
    }

    /// y = w x + b trained with ½(ŷ − y)² averaged over each batch, written out in scalars.
    func oracle(batch: Int, epochs: Int, eta: Double) -> (w: Double, b: Double) {
        oracle(batch: batch, rates: Array(repeating: eta, count: epochs))
    }

    /// The same, with learning rate `rates[e]` in epoch e.
    func oracle(batch: Int, rates: [Double]) -> (w: Double, b: Double) {
        var (w, b) = (0.3, -0.2)
        for eta in rates {
            var start = 0
            while start < xs.count {
                let end = min(start + batch, xs.count)
                var (gw, gb) = (0.0, 0.0)
                for i in start..<end {
                    let e = w * xs[i] + b - ys[i]
                    gw += e * xs[i]
                    gb += e
                }
                let m = Double(end - start)
                w -= eta * gw / m
                b -= eta * gb / m
                start = end
            }
        }
        return (w, b)
    }

    func testModesMatchTheScalarOracle() {
        for (mode, batch) in [(TrainingMode.perSample, 1), (.miniBatch(size: 2), 2), (.fullBatch, 5), (.standardBP, 1), (.accumulatedBP, 5)] {
            let layer = Dense<Double>(weight: [[0.3]], bias: [-0.2])
            let history = Trainer(model: layer, loss: .meanHalfSquaredError, optimizer: SGD(learningRate: 0.1),
                                  epochs: 4, mode: mode, shufflesEachEpoch: false).fit(data)
            let expected = oracle(batch: batch, epochs: 4, eta: 0.1)
            XCTAssertEqual(layer.weight.value[0, 0], expected.w, accuracy: 1e-13, "\(mode)")
            XCTAssertEqual(layer.bias.value[0], expected.b, accuracy: 1e-13, "\(mode)")
            XCTAssertEqual(history.epochs.count, 4)
            XCTAssertEqual(history.parameterNames, ["weight", "bias"])
        }
    }

    func testShuffledTrainingIsReproducibleForASeed() {
        func run(seed: UInt64) -> Tensor<Double> {
            let layer = Dense<Double>(weight: [[0.3]], bias: [-0.2])
            _ = Trainer(model: layer, loss: .meanHalfSquaredError, optimizer: SGD(learningRate: 0.1), epochs: 3,
                        mode: .perSample, seed: seed).fit(data)
            return layer.weight.value
        }
        XCTAssertEqual(run(seed: 5), run(seed: 5))
        XCTAssertNotEqual(run(seed: 5), run(seed: 6))
    }

    func testHistoryRecordsLossAccuracyAndTheSchedule() {
        var rng = SeededGenerator(seed: 1)
        let features = Tensor<Double>.normal([40, 2], using: &rng)
        let labels = (0..<40).map { features[$0, 0] + features[$0, 1] > 0 ? 1 : 0 }
        let data = LabeledTensors(features: features, targets: oneHot(labels, classCount: 2), labels: labels)
        let model = Sequential<Double>(Dense(inputSize: 2, outputSize: 2, using: &rng))
        var seen: [Int] = []
        let history = Trainer(model: model, loss: .crossEntropy, optimizer: SGD(learningRate: 0.5), epochs: 20,
                              mode: .miniBatch(size: 8), schedule: .step(every: 10, factor: 0.1))
            .fit(data, validation: data) { seen.append($0.epoch) }
        XCTAssertEqual(seen, Array(1...20))
        XCTAssertEqual(history.epochs[0].learningRate, 0.5)
        XCTAssertEqual(history.epochs[10].learningRate, 0.05, accuracy: 1e-15)
        XCTAssertLessThan(history.last!.trainingLoss, history.epochs[0].trainingLoss)
        XCTAssertGreaterThanOrEqual(history.last!.trainingAccuracy!, 0.95)
        XCTAssertEqual(history.last!.validationLoss!, history.last!.trainingLoss, accuracy: 1e-15)
        let direct = evaluate(model, on: data, loss: .crossEntropy)
        XCTAssertEqual(direct.loss, history.last!.trainingLoss, accuracy: 1e-15)
    }

    /// Every fit runs its schedule from the optimizer's learning rate as the caller left it,
    /// and puts that rate back when it ends, so a second fit starts again at the base rate
    /// (the schedule had left 0.025 in the optimizer, and the second fit ran at 0.025,
    /// 0.0125, …).
    func testEveryFitStartsTheScheduleAtTheBaseRate() {
        let layer = Dense<Double>(weight: [[0.3]], bias: [-0.2])
        let sgd = SGD<Double>(learningRate: 0.1)
        let trainer = Trainer(model: layer, loss: .meanHalfSquaredError, optimizer: sgd, epochs: 3, mode: .fullBatch,
                              shufflesEachEpoch: false, schedule: .exponential(decay: 0.5))
        for _ in 0..<2 {
            let history = trainer.fit(data)
            XCTAssertEqual(history.epochs.map(\.learningRate), [0.1, 0.05, 0.025])
            XCTAssertEqual(sgd.learningRate, 0.1, "fit puts the base rate back")
        }
        let expected = oracle(batch: 5, rates: [0.1, 0.05, 0.025, 0.1, 0.05, 0.025])
        XCTAssertEqual(layer.weight.value[0, 0], expected.w, accuracy: 1e-13)
        XCTAssertEqual(layer.bias.value[0], expected.b, accuracy: 1e-13)
        // A rate the caller sets between fits is the next fit's base rate.
        sgd.learningRate = 0.2
        XCTAssertEqual(trainer.fit(data).epochs.map(\.learningRate), [0.2, 0.1, 0.05])
        XCTAssertEqual(sgd.learningRate, 0.2)
        // Early stopping ends the loop early; the base rate is put back all the same.
        var stopping = trainer
        stopping.earlyStopping = EarlyStopping(patience: 1, minimumImprovement: 1e9)
        XCTAssertEqual(stopping.fit(data).epochs.count, 2)
        XCTAssertEqual(sgd.learningRate, 0.2)
    }

    func testEarlyStoppingKeepsTheBestParameters() {
        // Validation targets contradict the training targets, so validation loss rises as
        // training proceeds: the best epoch is the first.
        let validation = LabeledTensors<Double>(features: data.features, targets: data.targets.map { -$0 })
        let layer = Dense<Double>(weight: [[0.3]], bias: [-0.2])
        var afterEpoch: [Int: Tensor<Double>] = [:]
        let history = Trainer(model: layer, loss: .meanHalfSquaredError, optimizer: SGD(learningRate: 0.05), epochs: 50,
                              mode: .fullBatch, earlyStopping: EarlyStopping(patience: 3))
            .fit(data, validation: validation) { afterEpoch[$0.epoch] = layer.weight.value }
        XCTAssertTrue(history.stoppedEarly)
        XCTAssertEqual(history.epochs.count, 4)
        XCTAssertEqual(history.bestEpoch, 1)
        XCTAssertEqual(layer.weight.value, afterEpoch[1])
        XCTAssertNotEqual(afterEpoch[4], afterEpoch[1])
    }

    func testGradientNormsShowVanishingGradientsInADeepSigmoidNet() {
        // Ten sigmoid layers: every layer multiplies δ by σ' ≤ ¼, so the weight gradients
        // shrink from the output towards the input.
        var rng = SeededGenerator(seed: 2)
        let model = Sequential<Double>.multilayerPerceptron(
            inputSize: 8, hidden: Array(repeating: 8, count: 9), outputSize: 2, activation: .sigmoid,
            outputActivation: .sigmoid, using: &rng)
        let features = Tensor<Double>.normal([64, 8], using: &rng)
        let labels = (0..<64).map { features[$0, 0] > 0 ? 1 : 0 }
        let history = Trainer(model: model, loss: .meanHalfSquaredError, optimizer: SGD(learningRate: 0.1), epochs: 1,
                              mode: .miniBatch(size: 16))
            .fit(LabeledTensors(features: features, targets: oneHot(labels, classCount: 2), labels: labels))
        let norms = history.weightGradientNorms
        XCTAssertEqual(norms.map(\.layer), (0..<10).map(String.init))
        XCTAssertTrue(norms.allSatisfy { $0.norm > 0 })
        XCTAssertLessThan(norms.first!.norm, norms.last!.norm / 100,
                          "first-layer gradient should be orders of magnitude below the last: \(norms)")
        for k in 1..<norms.count { XCTAssertLessThan(norms[k - 1].norm, norms[k].norm * 1.5) }
    }

    /// No reference cycle between the model, its parameters, the optimizer (and
    /// its per-parameter state), the trainer and the graphs of the steps: once the caller
    /// lets go, every one of them is freed.
    func testModelOptimizerTrainerAndGraphsAreFreedAfterTraining() {
        weak var weakWeight: Variable<Float>?
        weak var weakOptimizer: Adam<Float>?
        weak var weakLoss: Variable<Float>?
        weak var weakOutput: Variable<Float>?
        do {
            var rng = SeededGenerator(seed: 4)
            let model = Sequential<Float>.multilayerPerceptron(
                inputSize: 2, hidden: [4], outputSize: 2, activation: .relu, outputActivation: .identity,
                dropout: 0.1, using: &rng)
            let adam = Adam<Float>(learningRate: 0.01)
            let data = LabeledTensors<Float>(
                Dataset(rows: [[0, 1], [1, 0], [1, 1], [0, 0]], labels: [0, 1, 0, 1], classNames: ["a", "b"]))
            for _ in 0..<3 {
                let output = model(Variable(data.features))
                let loss = Loss<Float>.crossEntropy(output, Variable(data.targets))
                loss.backward()
                adam.update(model.parameters)
                weakLoss = loss
                weakOutput = output
            }
            let history = Trainer(model: model, loss: .crossEntropy, optimizer: adam, epochs: 3, mode: .fullBatch, seed: 1)
                .fit(data, validation: data)
            XCTAssertEqual(history.epochs.count, 3)
            weakWeight = model.parameters[0]
            weakOptimizer = adam
            XCTAssertNotNil(weakWeight)
            XCTAssertNotNil(weakOptimizer)
        }
        XCTAssertNil(weakLoss, "the last step's graph is freed")
        XCTAssertNil(weakOutput)
        XCTAssertNil(weakWeight, "the model's parameters are freed")
        XCTAssertNil(weakOptimizer, "the optimizer is freed")
    }

    /// A loss that overflows stops training at that step, before its update, with a message
    /// naming the epoch and the step.
    func testAnInfiniteLossStopsTrainingAtItsStep() throws {
        let data = LabeledTensors(features: Tensor<Double>(shape: [4, 1], scalars: [1, 2, 1e200, 3]),
                                  targets: Tensor(shape: [4, 1], scalars: [1, 2, 3, 4]))
        let model = Dense<Double>(weight: Tensor(shape: [1, 1], scalars: [0.5]), bias: Tensor([0]))
        let trainer = Trainer(model: model, loss: .meanSquaredError, optimizer: SGD(learningRate: 0.01),
                              epochs: 5, mode: .perSample, shufflesEachEpoch: false)
        var reported: [EpochRecord] = []
        let history = trainer.fit(data) { reported.append($0) }
        let divergence = try XCTUnwrap(history.divergence)
        XCTAssertEqual([divergence.epoch, divergence.step], [1, 3])
        XCTAssertEqual(divergence.loss, "inf")
        XCTAssertTrue(history.epochs.isEmpty && reported.isEmpty, "the diverged epoch is not recorded")
        XCTAssertTrue(model.weight.value.scalars[0].isFinite, "the overflowing step did not update")
        XCTAssertTrue(divergence.description.contains("epoch 1"), divergence.description)
        XCTAssertTrue(divergence.description.contains("step 3"), divergence.description)
        XCTAssertTrue(divergence.description.contains("lower learning rate"), divergence.description)
    }
}
