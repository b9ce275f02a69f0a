// Workload "cnn" of bench_conv_rnn.py: the digits CNN. Input [N, 1, 8, 8] (pixels / 16);
// conv 3×3 1 → 16 (padding 1, bias) → relu → max pool 2 → conv 3×3 16 → 32 (padding 1,
// bias) → relu → max pool 2 → flatten (NCHW order, 128) → dense 128 → 10; mean softmax
// cross-entropy; Adam lr 1e-3 (β 0.9 / 0.999, ε 1e-8); batch 32 (44 full batches and one of
// 29 per epoch); 20 epochs; Float. Split, initial values and batch orders from numpy's
// RandomState as the peer draws them: permutation(1797) from RandomState(0), first 1437
// train, last 360 test; U(±1/√fan_in) from RandomState(1) in the order conv1 W [16,1,3,3],
// b, conv2 W [32,16,3,3], b, dense W [10,128], b (fan_in = Cin·9 for the convolutions, 128
// for the dense layer); each epoch's batch order a permutation from RandomState(2). The
// model is BackpropNN's (Conv2D, MaxPool2D, Flatten, Dense in a Sequential); the step is
// forward, backward and Adam's update, timed per epoch including gathering each batch (the
// peer indexes X[idx] inside its timed loop). Figure: median over epochs 2…N of all
// trainings (epoch 1 apart), as the peer; test accuracy after the last epoch.

import Backprop
import BackpropNN

enum DigitsCNNWorkload {
    static let trainCount = 1437
    static let batch = 32

    static func run(_ bench: Bench) throws {
        let names = ["cnn.epoch", "cnn.test_acc"]
        guard bench.wantsAny(names) else { return }
        let data = try BenchData.digits()
        let epochs = bench.quick ? 3 : 20
        let trainings = bench.repeats(full: 3, quick: 1)
        var rng = NumpyRandomState(seed: 0)
        let perm = rng.permutation(data.x.count)
        let xs = perm.map { data.x[$0].map { Float($0 / 16) } }
        let ys = perm.map { data.y[$0] }
        let trainX = Array(xs.prefix(trainCount).joined())
        let trainY = Array(ys.prefix(trainCount))
        let testX = Tensor<Float>(shape: [xs.count - trainCount, 1, 8, 8], scalars: Array(xs.dropFirst(trainCount).joined()))
        let testY = Array(ys.dropFirst(trainCount))

        let ((times, firsts, accuracies, losses), others) = bench.monitored {
            var times: [Double] = []
            var firsts: [Double] = []
            var accuracies: [Double] = []
            var losses: [Double] = []
            for _ in 0..<trainings {
                let model = initialModel(seed: 1)
                let adam = Adam<Float>(learningRate: 1e-3)
                var orderRNG = NumpyRandomState(seed: 2)
                var epochTimes: [Double] = []
                var loss: Float = 0
                for _ in 0..<epochs {
                    let order = orderRNG.permutation(trainCount)
                    let t0 = now()
                    loss = trainEpoch(model, adam, order: order, x: trainX, y: trainY)
                    epochTimes.append(now() - t0)
                }
                firsts.append(epochTimes[0])
                times += epochTimes.dropFirst()
                losses.append(Double(loss))
                let predicted = predictedClasses(model.predict(testX))
                accuracies.append(Double(zip(predicted, testY).filter { $0 == $1 }.count) / Double(testY.count))
            }
            return (times, firsts, accuracies, losses)
        }
        let load = LoadMonitor.loadAverage()
        bench.report(
            Figure(
                name: "cnn.epoch", unit: "ms", samples: times.map { $0 * 1e3 },
                extra: [
                    ("epochs", .int(epochs)), ("trainings", .int(trainings)),
                    ("first_epoch_ms", .number(median(firsts) * 1e3)), ("test_acc", .number(median(accuracies))),
                    ("last_batch_loss", .number(median(losses))),
                ], others: others, load1: load))
        bench.report(
            Figure(
                name: "cnn.test_acc", unit: "fraction", samples: accuracies, higherIsBetter: true,
                extra: [("epochs", .int(epochs))], others: others, load1: load))
    }

    /// The CNN with the peer's initial values: U(±1/√fan_in) from RandomState(seed), drawn
    /// in PyTorch's layouts (OIHW; the dense weight [out, in], transposed to our [in, out]).
    static func initialModel(seed: UInt32) -> Sequential<Float> {
        var rng = NumpyRandomState(seed: seed)
        func draw(_ shape: TensorShape, fanIn: Int) -> Tensor<Float> {
            let k = 1 / Double(fanIn).squareRoot()
            return Tensor(shape: shape, scalars: rng.uniform(-k, k, Shapes.count(shape)).map { Float($0) })
        }
        let (w1, b1) = (draw([16, 1, 3, 3], fanIn: 9), draw([16], fanIn: 9))
        let (w2, b2) = (draw([32, 16, 3, 3], fanIn: 144), draw([32], fanIn: 144))
        let (w3, b3) = (draw([10, 128], fanIn: 128).transposed(), draw([10], fanIn: 128))
        return Sequential<Float>(
            Conv2D(.init(inChannels: 1, outChannels: 16, kernelSize: 3, padding: 1, activation: .relu), weight: w1, bias: b1),
            MaxPool2D(kernelSize: 2),
            Conv2D(.init(inChannels: 16, outChannels: 32, kernelSize: 3, padding: 1, activation: .relu), weight: w2, bias: b2),
            MaxPool2D(kernelSize: 2),
            Flatten(),
            Dense(weight: w3, bias: b3))
    }

    /// One epoch of mini-batch steps in `order`; returns the last batch's loss.
    static func trainEpoch(_ model: Sequential<Float>, _ adam: Adam<Float>, order: [Int], x: [Float], y: [Int]) -> Float {
        let parameters = model.parameters
        var loss: Float = 0
        var start = 0
        while start < order.count {
            let idx = order[start..<min(start + batch, order.count)]
            var rows = [Float]()
            rows.reserveCapacity(idx.count * 64)
            for i in idx { rows += x[(i * 64)..<(i * 64 + 64)] }
            let xb = Variable(Tensor(shape: [idx.count, 1, 8, 8], scalars: rows))
            let output = crossEntropy(logits: model(xb), labels: idx.map { y[$0] })
            output.backward()
            loss = output.value.scalar
            adam.update(parameters)
            start += batch
        }
        return loss
    }
}
