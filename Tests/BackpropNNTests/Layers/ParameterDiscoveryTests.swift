import Backprop
import BackpropNN
import XCTest

/// A residual block written as a user would, with no parameter list.
private struct Residual: Layer {
    let inner: Dense<Double>
    let outer: Dense<Double>
    let gate = Variable(Tensor<Double>([0.5]), requiresGradient: true)
    func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { x + outer(inner(x)) * gate }
}

/// Nested layers in arrays, dictionaries, optionals and a Sequential, plus plain data.
private struct Encoder: Layer {
    var layers: [Dense<Double>]
    var heads: [String: Dense<Double>]
    var extra: Dense<Double>?
    var stack: Sequential<Double>
    var widths = [3, 3, 3]
    var label = "encoder"
    func callAsFunction(_ x: Variable<Double>) -> Variable<Double> {
        var y = layers.reduce(x) { $1($0) }
        y = heads["right"]!(heads["left"]!(y))
        return stack(extra.map { $0(y) } ?? y)
    }
}

private struct Model: Layer {
    let encoder: Encoder
    let norm: BatchNorm<Double>
    func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { norm(encoder(x)) }
}

/// A layer with a hand-written list: it wins over discovery.
private struct Listed: Layer {
    let a = Variable(Tensor<Double>([1]), requiresGradient: true)
    let b = Variable(Tensor<Double>([2]), requiresGradient: true)
    func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { x * a * b }
    var namedParameters: [NamedParameter<Double>] { [NamedParameter("second", b), NamedParameter("first", a)] }
}

/// A weight used twice.
private final class Tied: Layer {
    let shared = Variable(Tensor<Double>([3]), requiresGradient: true)
    lazy var alias = shared
    func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { x * shared * alias }
}

final class ParameterDiscoveryTests: XCTestCase {
    func dense(_ i: Int, _ o: Int, _ rng: inout SeededGenerator) -> Dense<Double> {
        Dense(inputSize: i, outputSize: o, using: &rng)
    }

    fileprivate func makeModel() -> Model {
        var rng = SeededGenerator(seed: 1)
        let encoder = Encoder(
            layers: [dense(2, 3, &rng), dense(3, 3, &rng)],
            heads: ["right": dense(3, 3, &rng), "left": dense(3, 3, &rng)],
            extra: dense(3, 3, &rng),
            stack: Sequential(dense(3, 3, &rng), ActivationLayer(.tanh)))
        return Model(encoder: encoder, norm: BatchNorm(channels: 3))
    }

    func testPathsFollowPropertiesPositionsAndSortedKeys() {
        let model = makeModel()
        let names = model.namedParameters.map(\.name)
        let layers = ["encoder.layers.0", "encoder.layers.1", "encoder.heads.left", "encoder.heads.right",
                      "encoder.extra", "encoder.stack.0"]
        XCTAssertEqual(
            names, layers.flatMap { ["\($0).weight", "\($0).bias"] } + BatchNorm<Double>(channels: 3)
                .namedParameters.map { "norm.\($0.name)" })
        XCTAssertEqual(model.namedBuffers.map(\.name),
                       BatchNorm<Double>(channels: 3).namedBuffers.map { "norm.\($0.name)" })
        XCTAssertEqual(model.parameterCount, 2 * 3 + 3 + 5 * 12 + 2 * 3)
        // The variables are the model's own, not copies.
        XCTAssertTrue(model.namedParameters[0].variable === model.encoder.layers[0].weight)
    }

    func testHandWrittenListsAndTiedWeights() {
        XCTAssertEqual(Listed().namedParameters.map(\.name), ["second", "first"])
        let tied = Tied()
        _ = tied.alias
        XCTAssertEqual(tied.namedParameters.map(\.name), ["shared"], "a tied weight is stepped once")
        let wrapped = Sequential<Double>(Listed(), Scaled())
        XCTAssertEqual(wrapped.namedParameters.map(\.name), ["0.second", "0.first", "1.factor"])
    }

    /// The wall of the issue: a custom layer with no list trains every parameter.
    func testACustomLayerWithoutAListTrainsAllItsParameters() {
        var rng = SeededGenerator(seed: 2)
        let model = Residual(inner: dense(2, 4, &rng), outer: dense(4, 2, &rng))
        XCTAssertEqual(model.namedParameters.map(\.name),
                       ["inner.weight", "inner.bias", "outer.weight", "outer.bias", "gate"])
        let before = model.parameters.map(\.value)
        let data = LabeledTensors(features: Tensor<Double>(shape: [4, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8]),
                                  targets: Tensor(shape: [4, 2], scalars: [0, 1, 1, 0, 0, 1, 1, 0]))
        let trainer = Trainer(model: model, loss: .meanSquaredError, optimizer: SGD(learningRate: 0.01),
                              epochs: 2, mode: .fullBatch)
        _ = trainer.fit(data)
        for (p, old) in zip(model.namedParameters, before) {
            XCTAssertNotEqual(p.variable.value, old, "\(p.name) was not trained")
        }
    }
}

private struct Scaled: Layer {
    let factor = Variable(Tensor<Double>([2]), requiresGradient: true)
    func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { x * factor }
}
