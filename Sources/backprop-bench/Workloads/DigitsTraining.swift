// What the digits workloads (MLP and CNN) share: the peers' split of the data and the timing
// of repeated trainings epoch by epoch.

import Backprop

/// The digits as the peers split them: pixels / 16, a permutation of the 1797 rows from
/// numpy's RandomState(seed), the first 1437 for training, the last 360 for testing.
struct DigitsSplit {
    static let trainCount = 1437
    /// Training pixels, 64 per row, row after row.
    var trainX: [Float]
    var trainY: [Int]
    /// Test pixels, 64 per row.
    var testX: [Float]
    var testY: [Int]

    init(seed: UInt32) throws {
        let data = try BenchData.digits()
        var rng = NumpyRandomState(seed: seed)
        let perm = rng.permutation(data.x.count)
        let xs = perm.map { data.x[$0].map { Float($0 / 16) } }
        let ys = perm.map { data.y[$0] }
        trainX = Array(xs.prefix(Self.trainCount).joined())
        trainY = Array(ys.prefix(Self.trainCount))
        testX = Array(xs.dropFirst(Self.trainCount).joined())
        testY = Array(ys.dropFirst(Self.trainCount))
    }

    /// Calls `body` with each mini-batch of `size` training rows in `order` (the last one
    /// shorter), gathered into a tensor of [rows] + `sampleShape`, and their labels.
    func forEachBatch(
        order: [Int], size: Int, sampleShape: [Int], _ body: (Variable<Float>, [Int]) -> Void
    ) {
        var start = 0
        while start < order.count {
            let idx = order[start..<min(start + size, order.count)]
            var rows = [Float]()
            rows.reserveCapacity(idx.count * 64)
            for i in idx { rows += trainX[(i * 64)..<(i * 64 + 64)] }
            body(Variable(Tensor(shape: TensorShape([idx.count] + sampleShape), scalars: rows)), idx.map { trainY[$0] })
            start += size
        }
    }
}

/// Epoch times and test accuracies of repeated trainings.
struct TrainingTimes {
    /// Seconds of epochs 2…N of every training.
    var epochs: [Double] = []
    /// Seconds of each training's first epoch.
    var firstEpochs: [Double] = []
    /// Each training's test accuracy after its last epoch.
    var accuracies: [Double] = []

    /// Runs `trainings` trainings of `epochs` epochs: `make` builds a fresh model, each
    /// epoch's batch order is a permutation from RandomState(`orderSeed`) (one per epoch, as
    /// the peers draw them), `epoch` trains one epoch (timed), `accuracy` tests at the end.
    init<Model>(
        trainings: Int, epochs: Int, orderSeed: UInt32, make: () -> Model, epoch: (Model, [Int]) -> Void,
        accuracy: (Model) -> Double
    ) {
        for _ in 0..<trainings {
            let model = make()
            var orderRNG = NumpyRandomState(seed: orderSeed)
            var times: [Double] = []
            for _ in 0..<epochs {
                let order = orderRNG.permutation(DigitsSplit.trainCount)
                let t0 = now()
                epoch(model, order)
                times.append(now() - t0)
            }
            firstEpochs.append(times[0])
            self.epochs += times.dropFirst()
            accuracies.append(accuracy(model))
        }
    }

    /// Reports `<prefix>.epoch` (ms, with `extra`) and `<prefix>.test_acc`.
    func report(
        _ bench: Bench, prefix: String, epochs count: Int, trainings: Int, extra: [(String, JSONValue)] = [],
        others: Double?
    ) {
        let load = LoadMonitor.loadAverage()
        bench.report(
            Figure(
                name: "\(prefix).epoch", unit: "ms", samples: epochs.map { $0 * 1e3 },
                extra: [
                    ("epochs", .int(count)), ("trainings", .int(trainings)),
                    ("first_epoch_ms", .number(median(firstEpochs) * 1e3)),
                    ("samples_per_s", .number(Double(DigitsSplit.trainCount) / median(epochs))),
                    ("test_acc", .number(median(accuracies))),
                ] + extra, others: others, load1: load))
        bench.report(
            Figure(
                name: "\(prefix).test_acc", unit: "fraction", samples: accuracies, higherIsBetter: true,
                extra: [("epochs", .int(count))], others: others, load1: load))
    }
}
