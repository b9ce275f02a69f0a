// Workload 3: digits MLP (bench_digits_mlp.py). 64 → 128 (relu | sigmoid) → 10, mean
// softmax cross-entropy over the batch, mini-batch SGD (batch 32: 44 full batches and one of
// 29 per epoch), lr 0.1, no momentum, Float, 20 epochs. Pixels / 16; a seeded permutation of
// the 1797 rows, first 1437 train, last 360 test. Init uniform(±1/√fan_in) for weights and
// biases (PyTorch's nn.Linear default), a fresh batch order (permutation) every epoch.
// Shuffle, init and batch orders come from numpy's RandomState(seed), RandomState(seed + 1)
// and RandomState(seed + 2) with seed 0 (NumpyRandomState), exactly as the peers draw them,
// so every training is the same and the test accuracy can be compared with theirs.
// Timed per epoch, including gathering each batch's rows (the peers index X[idx] inside
// the timed loop). Figure: median over epochs 2…N of all trainings (epoch 1 reported
// apart), as the peers. Test accuracy after the last epoch.
//
// "digits.relu.trainer": the same model through BackpropNN (Sequential of Dense layers,
// SGD, Trainer in mini-batch mode: its own shuffle, batch gathering, and an evaluation of
// the training loss over all 1437 rows after each epoch, included in its epoch time).

import Backprop
import BackpropNN

enum DigitsWorkload {
    static let trainCount = 1437
    static let batch = 32
    static let lr: Float = 0.1

    struct Model {
        var w1, b1, w2, b2: Variable<Float>
        var all: [Variable<Float>] { [w1, b1, w2, b2] }
    }

    static func run(_ bench: Bench) throws {
        let acts: [(String, Activation)] = [("relu", .relu), ("sigmoid", .sigmoid)]
        let figureNames = { (act: String) in ["digits.\(act).epoch", "digits.\(act).test_acc"] }
        let trainerNames = ["digits.relu.trainer.epoch", "digits.relu.trainer.test_acc"]
        guard bench.wantsAny(acts.flatMap { figureNames($0.0) } + trainerNames) else { return }
        let epochs = bench.quick ? 6 : 20
        let trainings = bench.repeats(full: 3, quick: 1)
        let seed: UInt32 = 0
        let split = try DigitsSplit(seed: seed)
        let (trainX, trainY, testY) = (split.trainX, split.trainY, split.testY)
        let testX = Tensor<Float>(shape: [testY.count, 64], scalars: split.testX)

        for (actName, act) in acts where bench.wantsAny(figureNames(actName)) {
            let (times, others) = bench.monitored {
                TrainingTimes(
                    trainings: trainings, epochs: epochs, orderSeed: seed + 2, make: { initialModel(seed: seed + 1) },
                    epoch: { trainEpoch($0, act: act, order: $1, data: split) },
                    accuracy: { accuracy($0, act: act, x: testX, y: testY) })
            }
            times.report(bench, prefix: "digits.\(actName)", epochs: epochs, trainings: trainings, others: others)
        }
        if bench.wantsAny(trainerNames) {
            let trainTensor = Tensor(shape: [trainCount, 64], scalars: trainX)
            reportTrainer(
                bench, seed: seed, epochs: epochs, trainings: trainings, x: trainTensor, y: trainY,
                testX: testX, testY: testY)
        }
    }

    /// W1, b1, W2, b2 from numpy's RandomState(seed).uniform(±1/√fan_in), as the peers.
    static func initialModel(seed: UInt32) -> Model {
        var rng = NumpyRandomState(seed: seed)
        func linear(_ fanIn: Int, _ fanOut: Int) -> (Variable<Float>, Variable<Float>) {
            let k = 1 / Double(fanIn).squareRoot()
            func draw(_ n: Int) -> [Float] { rng.uniform(-k, k, n).map { Float($0) } }
            // numpy draws W as [out, in]; ours is [in, out] (x·W).
            let w = Tensor(shape: [fanOut, fanIn], scalars: draw(fanIn * fanOut)).transposed()
            let b = Tensor(shape: [fanOut], scalars: draw(fanOut))
            return (Variable(w, requiresGradient: true), Variable(b, requiresGradient: true))
        }
        let (w1, b1) = linear(64, 128)
        let (w2, b2) = linear(128, 10)
        return Model(w1: w1, b1: b1, w2: w2, b2: b2)
    }

    /// The relu model trained by BackpropNN's Trainer; returns per-epoch seconds (from its
    /// History) and the test accuracy.
    static func trainWithTrainer(
        seed: UInt32, epochs: Int, x: Tensor<Float>, y: [Int], testX: Tensor<Float>, testY: [Int]
    ) -> (epochSeconds: [Double], accuracy: Double) {
        let m = initialModel(seed: seed + 1)
        let layer1 = Dense(weight: m.w1.value, bias: m.b1.value, activation: .relu)
        let layer2 = Dense(weight: m.w2.value, bias: m.b2.value, activation: .identity)
        let model = Sequential<Float>(layer1, layer2)
        let trainer = Trainer(
            model: model, loss: .crossEntropy, optimizer: SGD(learningRate: lr), epochs: epochs,
            mode: .miniBatch(size: batch), seed: UInt64(seed), recordsGradientNorms: false)
        var oneHot = [Float](repeating: 0, count: y.count * 10)
        for (i, label) in y.enumerated() { oneHot[i * 10 + label] = 1 }
        let history = trainer.fit(
            LabeledTensors(features: x, targets: Tensor(shape: [y.count, 10], scalars: oneHot), labels: y))
        let predicted = predictedClasses(model.predict(testX))
        let correct = zip(predicted, testY).filter { $0 == $1 }.count
        return (history.epochs.map(\.seconds), Double(correct) / Double(testY.count))
    }

    static func trainEpoch(_ m: Model, act: Activation, order: [Int], data: DigitsSplit) {
        data.forEachBatch(order: order, size: batch, sampleShape: [64]) { xb, labels in
            let h = xb.dense(weight: m.w1, bias: m.b1, activation: act)
            let logits = h.dense(weight: m.w2, bias: m.b2)
            crossEntropy(logits: logits, labels: labels).backward()
            for p in m.all { p.value.addScaled(p.gradient.take()!, by: -lr) }
        }
    }

    static func reportTrainer(
        _ bench: Bench, seed: UInt32, epochs: Int, trainings: Int, x: Tensor<Float>, y: [Int],
        testX: Tensor<Float>, testY: [Int]
    ) {
        let ((times, firsts, accuracies), others) = bench.monitored {
            var times: [Double] = []
            var firsts: [Double] = []
            var accuracies: [Double] = []
            for _ in 0..<trainings {
                let (seconds, acc) = trainWithTrainer(
                    seed: seed, epochs: epochs, x: x, y: y, testX: testX, testY: testY)
                firsts.append(seconds[0])
                times += seconds.dropFirst()
                accuracies.append(acc)
            }
            return (times, firsts, accuracies)
        }
        let load = LoadMonitor.loadAverage()
        bench.report(
            Figure(
                name: "digits.relu.trainer.epoch", unit: "ms", samples: times.map { $0 * 1e3 },
                extra: [
                    ("epochs", .int(epochs)), ("trainings", .int(trainings)),
                    ("first_epoch_ms", .number(median(firsts) * 1e3)),
                    ("test_acc", .number(median(accuracies))),
                    ("what", .string("BackpropNN Trainer, includes its per-epoch training-loss evaluation")),
                ], others: others, load1: load))
        bench.report(
            Figure(
                name: "digits.relu.trainer.test_acc", unit: "fraction", samples: accuracies,
                higherIsBetter: true, extra: [("epochs", .int(epochs))], others: others, load1: load))
    }

    static func accuracy(_ m: Model, act: Activation, x: Tensor<Float>, y: [Int]) -> Double {
        withoutGradients {
            let logits = Variable(x).dense(weight: m.w1, bias: m.b1, activation: act)
                .dense(weight: m.w2, bias: m.b2).value
            let correct = y.enumerated().filter { i, label in
                argmax((0..<10).map { logits[i, $0] }) == label
            }.count
            return Double(correct) / Double(y.count)
        }
    }
}
