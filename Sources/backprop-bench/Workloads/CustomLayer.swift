// Whether a layer of the user's own trains as fast as the built-in one it imitates. Each pair
// trains the same model through BackpropNN's Trainer, once as a Sequential of `Dense` layers
// and once as a Sequential of `UserDense`, a layer written here as a user would (generic
// over the scalar type, the forward pass one public `dense` op, the parameters found by
// reflection), and once with the forward pass as three ops (matmul, add, activation), the
// "unfused" figure. Shapes as the other workloads: the Iris run (4-5-3, sigmoid, Double,
// per-sample SGD, lr 0.2) and the digits MLP (64-128-10, relu, Float, mini-batches of 32,
// lr 0.1). The two are timed interleaved; "ratio" is user layer / Dense (1 means no cost).

import Backprop
import BackpropNN

/// `Dense` written outside BackpropNN with public API only.
struct UserDense<Scalar: TensorScalar>: Layer {
    let weight: Variable<Scalar>
    let bias: Variable<Scalar>
    let activation: Activation
    /// One `dense` node, or matmul, add and the activation.
    let fused: Bool

    init(weight: Tensor<Scalar>, bias: Tensor<Scalar>, activation: Activation, fused: Bool) {
        self.weight = Variable(weight, requiresGradient: true)
        self.bias = Variable(bias, requiresGradient: true)
        self.activation = activation
        self.fused = fused
    }

    func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        fused
            ? input.dense(weight: weight, bias: bias, activation: activation)
            : (input.matmul(weight) + bias).applying(activation)
    }
}

enum CustomLayerWorkload {
    /// One training of a two-layer model made by `layer` from each layer's initial weight,
    /// bias and activation.
    typealias Training<Scalar: TensorScalar> = (
        _ layer: (Tensor<Scalar>, Tensor<Scalar>, Activation) -> any Layer<Scalar>
    ) -> Void

    static func run(_ bench: Bench) throws {
        let names = ["custom.iris.step", "custom.digits.epoch", "custom.parameters"]
        guard bench.wantsAny(names) else { return }
        let repeats = bench.repeats(full: 7, quick: 3)
        if bench.wants(names[0]) {
            let data = try BenchData.iris()
            let (split, params) = IrisWorkload.prepare(seed: 0, x: data.x, y: data.y)
            let targets = Tensor<Double>(
                shape: [split.ts.count, 3], scalars: split.ts.flatMap { $0.value.scalars })
            let training = LabeledTensors(features: split.trainX, targets: targets, labels: split.trainY)
            let epochs = bench.quick ? 10 : 30
            let train: Training<Double> = { layer in
                let model = Sequential<Double>(
                    layer(params.w1.value, params.b1.value, .sigmoid),
                    layer(params.w2.value, params.b2.value, .sigmoid))
                _ = Trainer(
                    model: model, loss: .meanHalfSquaredError, optimizer: SGD(learningRate: 0.2),
                    epochs: epochs, mode: .perSample, shufflesEachEpoch: false,
                    recordsGradientNorms: false
                ).fit(training)
            }
            report(bench, name: names[0], unit: "µs", per: Double(epochs * training.count) / 1e6,
                   repeats: repeats, train)
        }
        if bench.wants(names[1]) {
            let split = try DigitsSplit(seed: 0)
            let m = DigitsWorkload.initialModel(seed: 1)
            var oneHot = [Float](repeating: 0, count: split.trainY.count * 10)
            for (i, label) in split.trainY.enumerated() { oneHot[i * 10 + label] = 1 }
            let training = LabeledTensors(
                features: Tensor(shape: [split.trainY.count, 64], scalars: split.trainX),
                targets: Tensor(shape: [split.trainY.count, 10], scalars: oneHot), labels: split.trainY)
            let epochs = bench.quick ? 1 : 3
            let train: Training<Float> = { layer in
                let model = Sequential<Float>(
                    layer(m.w1.value, m.b1.value, .relu), layer(m.w2.value, m.b2.value, .identity))
                _ = Trainer(
                    model: model, loss: .crossEntropy, optimizer: SGD(learningRate: 0.1), epochs: epochs,
                    mode: .miniBatch(size: 32), recordsGradientNorms: false
                ).fit(training)
            }
            report(bench, name: names[1], unit: "ms", per: Double(epochs) / 1e3, repeats: repeats, train)
        }
        if bench.wants(names[2]) { reportDiscovery(bench, repeats: repeats) }
    }

    /// The cost of listing the parameters of the digits MLP (`model.parameters`, as a
    /// hand-written training loop passes them to the optimizer every step): `Dense` lists
    /// them by hand, `UserDense` has them found by reflection.
    static func reportDiscovery(_ bench: Bench, repeats: Int) {
        let m = DigitsWorkload.initialModel(seed: 1)
        let builtIn = Sequential<Float>(
            Dense(weight: m.w1.value, bias: m.b1.value, activation: .relu), Dense(weight: m.w2.value, bias: m.b2.value))
        let own = Sequential<Float>(
            UserDense(weight: m.w1.value, bias: m.b1.value, activation: .relu, fused: true),
            UserDense(weight: m.w2.value, bias: m.b2.value, activation: .identity, fused: true))
        var sink = 0
        let (times, others) = bench.monitored {
            timeInterleaved(
                minTime: bench.quick ? 0.05 : 0.2, repeats: repeats,
                [{ sink += builtIn.parameters.count }, { sink += own.parameters.count }])
        }
        if sink <= 0 { fail("custom.parameters: no parameters were counted") }  // keeps the loop
        let scaled = times.map { $0.map { $0 * 1e9 } }
        bench.report(
            Figure(
                name: "custom.parameters", unit: "ns", samples: scaled[1],
                extra: [
                    ("dense_median", .number(median(scaled[0]))),
                    ("ratio", .number(median(scaled[1]) / median(scaled[0]))),
                    ("what", .string("model.parameters of a Sequential of two user-defined layers vs Dense")),
                ], others: others))
    }

    /// Times `train` with `Dense` and with `UserDense` (fused and unfused), interleaved, and
    /// reports the user layer's times divided by `per` with their ratios to `Dense`.
    static func report<Scalar: TensorScalar>(
        _ bench: Bench, name: String, unit: String, per: Double, repeats: Int, _ train: @escaping Training<Scalar>
    ) {
        let builtIn = { train { Dense(weight: $0, bias: $1, activation: $2) } }
        let own = { train { UserDense(weight: $0, bias: $1, activation: $2, fused: true) } }
        let unfused = { train { UserDense(weight: $0, bias: $1, activation: $2, fused: false) } }
        let (times, others) = bench.monitored {
            timeInterleaved(minTime: bench.quick ? 0.1 : 0.5, repeats: repeats, [builtIn, own, unfused])
        }
        let scaled = times.map { $0.map { $0 / per } }
        for (k, (suffix, what)) in [("", "dense op"), (".unfused", "matmul, add, activation")].enumerated() {
            bench.report(
                Figure(
                    name: name + suffix, unit: unit, samples: scaled[k + 1],
                    extra: [
                        ("dense_median", .number(median(scaled[0]))),
                        ("ratio", .number(median(scaled[k + 1]) / median(scaled[0]))),
                        ("what", .string("Trainer on a Sequential of a user-defined layer (\(what)) vs Dense")),
                    ], others: others))
        }
    }
}
