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
    static let batch = 32

    static func run(_ bench: Bench) throws {
        let names = ["cnn.epoch", "cnn.test_acc"]
        guard bench.wantsAny(names) else { return }
        let epochs = bench.quick ? 3 : 20
        let trainings = bench.repeats(full: 3, quick: 1)
        let split = try DigitsSplit(seed: 0)
        let testX = Tensor<Float>(shape: [split.testY.count, 1, 8, 8], scalars: split.testX)
        let (times, others) = bench.monitored {
            TrainingTimes(
                trainings: trainings, epochs: epochs, orderSeed: 2,
                make: { (initialModel(seed: 1), Adam<Float>(learningRate: 1e-3)) },
                epoch: { trainEpoch($0.0, $0.1, order: $1, data: split) },
                accuracy: { model, _ in
                    let predicted = predictedClasses(model.predict(testX))
                    return Double(zip(predicted, split.testY).filter { $0 == $1 }.count) / Double(split.testY.count)
                })
        }
        times.report(bench, prefix: "cnn", epochs: epochs, trainings: trainings, others: others)
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

    /// One epoch of mini-batch steps in `order`.
    static func trainEpoch(_ model: Sequential<Float>, _ adam: Adam<Float>, order: [Int], data: DigitsSplit) {
        let parameters = model.parameters
        data.forEachBatch(order: order, size: batch, sampleShape: [1, 8, 8]) { xb, labels in
            crossEntropy(logits: model(xb), labels: labels).backward()
            adam.update(parameters)
        }
    }
}
