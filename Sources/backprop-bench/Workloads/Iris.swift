// Workload 2: the Iris tutorial run (bench_iris_seed.py). 4-5-3 network, sigmoid on both
// layers, per-sample loss ½‖a₂ − onehot‖², plain SGD with one update per sample, lr 0.2,
// 300 epochs over 130 training rows (39,000 steps), Double. Features min-max normalised
// over all 150 rows, then a seeded shuffle, first 130 train, last 20 validation; weights and
// biases uniform in [0, 1). Timed: the training loop only (samples are prepared Variables,
// as the peers prepare their lists of rows). Each seed is one run; figure = median over
// the seeds (the peers use seeds 0...4). The shuffle and the initial weights come from
// numpy's RandomState(seed) (NumpyRandomState), so the final training loss of each seed
// can be compared with the peers' table digit for digit.
//
// Three forms: "fused" uses `dense(weight:bias:activation:)` (one node per layer + loss),
// "unfused" builds matmul, add, sigmoid per layer, and "trainer" is BackpropNN's training
// loop (Sequential of two Dense layers, SGD, Trainer in per-sample mode without shuffling).
// The trainer also evaluates the training loss over the 130 rows after each epoch for its
// History (300 extra batched forward passes, which the other forms and the peers don't do).

import Backprop
import BackpropNN

enum IrisWorkload {
    static let epochs = 300
    static let trainCount = 130
    static let lr = 0.2

    struct Split {
        var xs: [Variable<Double>]  // [1, 4] each
        var ts: [Variable<Double>]  // [1, 3] one-hot each
        var trainX: Tensor<Double>, trainY: [Int]
        var validX: Tensor<Double>, validY: [Int]
    }

    struct Params {
        let w1, b1, w2, b2: Variable<Double>
        let all: [Variable<Double>]
        init(w1: Variable<Double>, b1: Variable<Double>, w2: Variable<Double>, b2: Variable<Double>) {
            (self.w1, self.b1, self.w2, self.b2) = (w1, b1, w2, b2)
            all = [w1, b1, w2, b2]
        }
    }

    static func prepare(seed: Int, x raw: [[Double]], y: [Int]) -> (Split, Params) {
        var lo = [Double](repeating: .infinity, count: 4)
        var hi = [Double](repeating: -.infinity, count: 4)
        for row in raw {
            for j in 0..<4 {
                lo[j] = min(lo[j], row[j])
                hi[j] = max(hi[j], row[j])
            }
        }
        let normalised = raw.map { row in (0..<4).map { (row[$0] - lo[$0]) / (hi[$0] - lo[$0]) } }
        var rng = NumpyRandomState(seed: UInt32(seed))
        let perm = rng.permutation(raw.count)
        let xs = perm.map { normalised[$0] }
        let ys = perm.map { y[$0] }
        func oneHot(_ label: Int) -> [Double] { (0..<3).map { $0 == label ? 1 : 0 } }
        let split = Split(
            xs: xs.prefix(trainCount).map { Variable(Tensor(shape: [1, 4], scalars: $0)) },
            ts: ys.prefix(trainCount).map { Variable(Tensor(shape: [1, 3], scalars: oneHot($0))) },
            trainX: Tensor(shape: [trainCount, 4], scalars: xs.prefix(trainCount).flatMap { $0 }),
            trainY: Array(ys.prefix(trainCount)),
            validX: Tensor(
                shape: [raw.count - trainCount, 4], scalars: xs.dropFirst(trainCount).flatMap { $0 }),
            validY: Array(ys.dropFirst(trainCount)))
        // W1 (5×4), b1, W2 (3×5), b2 drawn in that order as the tutorial; our weights are
        // [in, out] (x·W), so the drawn [out, in] matrices are transposed.
        func param(_ shape: TensorShape) -> Variable<Double> {
            let t = Tensor(shape: shape, scalars: rng.randomSample(shape.reduce(1, *)))
            return Variable(shape.count == 2 ? t.transposed() : t, requiresGradient: true)
        }
        let params = Params(w1: param([5, 4]), b1: param([5]), w2: param([3, 5]), b2: param([3]))
        return (split, params)
    }

    @inline(__always)
    static func sgd(_ params: Params) {
        for p in params.all {
            p.value.addScaled(p.gradient.take()!, by: -lr)
        }
    }

    static func trainFused(_ s: Split, _ p: Params, epochs: Int) {
        for _ in 0..<epochs {
            for i in 0..<s.xs.count {
                let h = s.xs[i].dense(weight: p.w1, bias: p.b1, activation: .sigmoid)
                let y = h.dense(weight: p.w2, bias: p.b2, activation: .sigmoid)
                halfSquaredError(y, s.ts[i]).backward()
                sgd(p)
            }
        }
    }

    static func trainUnfused(_ s: Split, _ p: Params, epochs: Int) {
        for _ in 0..<epochs {
            for i in 0..<s.xs.count {
                let h = (s.xs[i].matmul(p.w1) + p.b1).sigmoid()
                let y = (h.matmul(p.w2) + p.b2).sigmoid()
                halfSquaredError(y, s.ts[i]).backward()
                sgd(p)
            }
        }
    }

    static func trainWithTrainer(_ s: Split, _ p: Params, epochs: Int) {
        let layer1 = Dense(weight: p.w1.value, bias: p.b1.value, activation: .sigmoid)
        let layer2 = Dense(weight: p.w2.value, bias: p.b2.value, activation: .sigmoid)
        let trainer = Trainer(
            model: Sequential<Double>(layer1, layer2), loss: .meanHalfSquaredError,
            optimizer: SGD(learningRate: lr), epochs: epochs, mode: .perSample,
            shufflesEachEpoch: false, recordsGradientNorms: false)
        let targets = Tensor<Double>(shape: [s.ts.count, 3], scalars: s.ts.flatMap { $0.value.scalars })
        _ = trainer.fit(LabeledTensors(features: s.trainX, targets: targets, labels: s.trainY))
        for (param, trained) in zip(p.all, [layer1.weight, layer1.bias, layer2.weight, layer2.bias]) {
            param.value = trained.value
        }
    }

    /// Mean per-sample loss on the training rows and accuracy on the validation rows.
    static func evaluate(_ s: Split, _ p: Params) -> (loss: Double, validAccuracy: Double) {
        withoutGradients {
            func forward(_ x: Tensor<Double>) -> Tensor<Double> {
                Variable(x).dense(weight: p.w1, bias: p.b1, activation: .sigmoid)
                    .dense(weight: p.w2, bias: p.b2, activation: .sigmoid).value
            }
            let out = forward(s.trainX)
            var loss = 0.0
            for (i, label) in s.trainY.enumerated() {
                for j in 0..<3 {
                    let d = out[i, j] - (j == label ? 1 : 0)
                    loss += 0.5 * d * d
                }
            }
            let valid = forward(s.validX)
            let correct = s.validY.enumerated().filter { i, label in
                argmax((0..<3).map { valid[i, $0] }) == label
            }.count
            return (loss / Double(s.trainY.count), Double(correct) / Double(s.validY.count))
        }
    }

    static func run(_ bench: Bench) throws {
        let forms: [(String, (Split, Params, Int) -> Void)] = [
            ("iris.fused", trainFused), ("iris.unfused", trainUnfused),
            ("iris.trainer", trainWithTrainer),
        ]
        let figureNames = { (form: String) in ["\(form).run", "\(form).step"] }
        guard bench.wantsAny(forms.flatMap { figureNames($0.0) }) else { return }
        let data = try BenchData.iris()
        let seeds = bench.repeats(full: 5, quick: 2)
        let steps = Double(epochs * trainCount)
        for (name, train) in forms where bench.wantsAny(figureNames(name)) {
            // warm-up: one epoch on seed 0's data
            do {
                let (s, p) = prepare(seed: 0, x: data.x, y: data.y)
                train(s, p, 1)
            }
            let ((seconds, results), others) = bench.monitored {
                var seconds: [Double] = []
                var results: [(loss: Double, validAccuracy: Double)] = []
                for seed in 0..<seeds {
                    let (s, p) = prepare(seed: seed, x: data.x, y: data.y)
                    let t0 = now()
                    train(s, p, epochs)
                    seconds.append(now() - t0)
                    results.append(evaluate(s, p))
                }
                return (seconds, results)
            }
            let load = LoadMonitor.loadAverage()
            bench.report(
                Figure(
                    name: "\(name).run", unit: "s", samples: seconds,
                    extra: [
                        ("steps", .int(Int(steps))),
                        ("train_loss_seed0", .string(String(format: "%.7f", results[0].loss))),
                        ("val_acc_seed0", .number(results[0].validAccuracy)),
                        ("val_acc_mean", .number(results.map(\.validAccuracy).reduce(0, +) / Double(results.count))),
                    ], others: others, load1: load))
            bench.report(
                Figure(
                    name: "\(name).step", unit: "µs", samples: seconds.map { $0 / steps * 1e6 },
                    extra: [("steps", .int(Int(steps)))], others: others, load1: load))
        }
    }
}

func argmax<S: Comparable>(_ values: [S]) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}
