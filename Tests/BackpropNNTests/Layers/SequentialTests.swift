import Backprop
import BackpropNN
import BackpropTesting
import Foundation
import XCTest

/// A user-defined layer: y = x ⊙ scale, one parameter.
struct Scale: Layer {
    let scale: Variable<Double>
    init(_ values: Tensor<Double>) { scale = Variable(values, requiresGradient: true) }
    func callAsFunction(_ input: Variable<Double>) -> Variable<Double> { input * scale }
    var namedParameters: [NamedParameter<Double>] { [NamedParameter("scale", scale)] }
}

final class SequentialTests: XCTestCase {
    func testComposesLayersAndPrefixesParameterNames() {
        var rng = SeededGenerator(seed: 0)
        let first = Dense<Double>(inputSize: 3, outputSize: 2, activation: .tanh, using: &rng)
        let model = Sequential<Double>(first, Scale([2, -1]), ActivationLayer(.sigmoid))
        XCTAssertEqual(model.namedParameters.map(\.name), ["0.weight", "0.bias", "1.scale"])
        XCTAssertEqual(model.parameterCount, 6 + 2 + 2)
        let x = Tensor<Double>.normal([4, 3], using: &rng)
        let expected = (first(Variable(x)) * Variable(Tensor([2, -1]))).sigmoid().value
        XCTAssertEqual(model(Variable(x)).value, expected)
        XCTAssertEqual(model.predict(x), expected)
    }

    func testUserLayerReceivesGradientsThroughTheContainer() {
        let model = Sequential<Double>(Scale([3]), Scale([2]))
        model(Variable(Tensor<Double>([[1], [2]]))).sum().backward()
        XCTAssertEqual(model.parameters[0].gradient, [6])   // Σ x·2
        XCTAssertEqual(model.parameters[1].gradient, [9])   // Σ x·3
    }

    func testReplacingLayersUpdatesTheForwardPass() {
        var model = Sequential<Double>(Scale([2]))
        model.layers.append(Scale([5]))
        XCTAssertEqual(model(Variable(Tensor<Double>([[1]]))).value, [[10]])
    }

    func testMultilayerPerceptronShapes() {
        var rng = SeededGenerator(seed: 0)
        let mlp = Sequential<Float>.multilayerPerceptron(
            inputSize: 5, hidden: [7, 3], outputSize: 2, activation: .relu, outputActivation: .identity, using: &rng)
        XCTAssertEqual(mlp.namedParameters.map(\.variable.shape), [[5, 7], [7], [7, 3], [3], [3, 2], [2]])
        XCTAssertEqual(mlp.predict(Tensor.zeros([4, 5])).shape, [4, 2])
        let dropped = Sequential<Float>.multilayerPerceptron(
            inputSize: 5, hidden: [7, 3], outputSize: 2, activation: .relu, outputActivation: .identity,
            dropout: 0.5, using: &rng)
        XCTAssertEqual(try Checkpoint.architecture(of: dropped).count, 5)
        XCTAssertTrue(dropped.layers[1] is Dropout<Float> && dropped.layers[3] is Dropout<Float>)
    }
}
