import Backprop
import BackpropNN
import BackpropTesting
import Foundation
import XCTest

final class LayerTests: XCTestCase {
    func testDenseComputesRowVectorAffineMapThenActivation() {
        let w: Tensor<Double> = [[1, 2, 3], [4, 5, 6]]  // 2 inputs × 3 outputs
        let b: Tensor<Double> = [0.5, -1, 0]
        let layer = Dense(weight: w, bias: b, activation: .sigmoid)
        let x: Tensor<Double> = [[1, -1], [0, 2]]
        let y = layer(Variable(x)).value
        // Written out by hand: u[r][j] = Σₖ x[r][k] w[k][j] + b[j].
        for r in 0..<2 {
            for j in 0..<3 {
                let u = x[r, 0] * w[0, j] + x[r, 1] * w[1, j] + b[j]
                XCTAssertEqual(y[r, j], 1 / (1 + Foundation.exp(-u)), accuracy: 1e-15)
            }
        }
        XCTAssertEqual(layer.inputSize, 2)
        XCTAssertEqual(layer.outputSize, 3)
        XCTAssertEqual(layer.namedParameters.map(\.name), ["weight", "bias"])
    }

    func testDenseGradientsMatchCentralDifferences() {
        var rng = SeededGenerator(seed: 4)
        for activation in Activation.allCases {
            let x = Tensor<Double>.normal([3, 4], using: &rng)
            let w = Tensor<Double>.normal([4, 2], using: &rng)
            let b = Tensor<Double>.normal([2], using: &rng)
            let c = Variable(Tensor<Double>.normal([3, 2], using: &rng))
            let layer = Dense(weight: w, bias: b, activation: activation)
            assertGradientsMatch(at: [x], "\(activation)") { v in (layer(v[0]) * c).sum() }
        }
    }

    func testDenseBackwardGivesTheDeltaFormulas() {
        // ∇W = xᵀ Δ, ∇b = column sums of Δ, with Δ = ∇y ⊙ σ'(u) (notes §4).
        var rng = SeededGenerator(seed: 9)
        let layer = Dense<Double>(inputSize: 3, outputSize: 2, activation: .sigmoid, initializer: .normal(standardDeviation: 1), using: &rng)
        let x = Tensor<Double>.normal([4, 3], using: &rng)
        let y = layer(Variable(x))
        y.sum().backward()
        let s = y.value
        let delta = s.map { $0 * (1 - $0) }  // ∇y = 1
        XCTAssertEqual(layer.weight.gradient!.scalars, x.matmul(delta, transposingSelf: true, transposingOther: false).scalars)
        XCTAssertEqual(layer.bias.gradient!.scalars, delta.sum(alongAxis: 0).scalars)
    }

    func testInitializersAreSeededAndInRange() {
        var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 1)
        let d1 = Dense<Float>(inputSize: 6, outputSize: 4, using: &a)
        let d2 = Dense<Float>(inputSize: 6, outputSize: 4, using: &b)
        XCTAssertEqual(d1.weight.value, d2.weight.value)
        var rng = SeededGenerator(seed: 2)
        let glorot: Tensor<Double> = Initializer.glorotUniform.make(shape: [50, 30], fanIn: 50, fanOut: 30, using: &rng)
        let bound = (6.0 / 80).squareRoot()
        XCTAssertTrue(glorot.scalars.allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(glorot.scalars.map(abs).max()!, 0.9 * bound)
        let unit: Tensor<Double> = Initializer.uniformUnit.make(shape: [1000], fanIn: 1, fanOut: 1, using: &rng)
        XCTAssertTrue(unit.scalars.allSatisfy { $0 >= 0 && $0 < 1 })
        let ranged: Tensor<Double> = Initializer.uniform(low: -3, high: -2).make(shape: [100], fanIn: 1, fanOut: 1, using: &rng)
        XCTAssertTrue(ranged.scalars.allSatisfy { $0 >= -3 && $0 < -2 })
        for (initializer, sigma) in [(Initializer.normal(standardDeviation: 0.1), 0.1),
                                     (.heNormal, (2.0 / 200).squareRoot()),
                                     (.glorotNormal, (2.0 / 300).squareRoot())] {
            let t: Tensor<Double> = initializer.make(shape: [20_000], fanIn: 200, fanOut: 100, using: &rng)
            let mean = t.scalars.reduce(0, +) / 20_000
            let sd = (t.scalars.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20_000).squareRoot()
            XCTAssertEqual(sd, sigma, accuracy: 0.03 * sigma, "\(initializer)")
            XCTAssertEqual(mean, 0, accuracy: 0.05 * sigma, "\(initializer)")
        }
        let he: Tensor<Double> = Initializer.heUniform.make(shape: [1000], fanIn: 24, fanOut: 1, using: &rng)
        XCTAssertTrue(he.scalars.allSatisfy { abs($0) <= 0.5 })
        XCTAssertEqual(Initializer.zeros.make(shape: [3], fanIn: 1, fanOut: 1, using: &rng), Tensor<Double>.zeros([3]))
    }

    func testActivationLayersApplyTheirFunction() {
        let x: Tensor<Double> = [[-2, 0.5, 3]]
        XCTAssertEqual(ActivationLayer<Double>(.relu)(Variable(x)).value, [[0, 0.5, 3]])
        XCTAssertEqual(ActivationLayer<Double>(.identity)(Variable(x)).value, x)
        let s = ActivationLayer<Double>(.softmax)(Variable(x)).value
        XCTAssertEqual(s.scalars.reduce(0, +), 1, accuracy: 1e-15)
        XCTAssertTrue(ActivationLayer<Double>(.tanh).namedParameters.isEmpty)
    }
}

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

final class DropoutTests: XCTestCase {
    func testDropsAndRescalesInTrainingOnly() {
        let dropout = Dropout<Double>(rate: 0.25, seed: 3)
        let x = Variable(Tensor<Double>.ones([100, 40]), requiresGradient: true)
        let y = dropout(x)   // recording → training
        let kept = y.value.scalars.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-12 })
        XCTAssertEqual(Double(kept.count) / 4000, 0.75, accuracy: 0.03)
        y.sum().backward()
        XCTAssertEqual(x.gradient!.scalars, y.value.scalars)   // ∂y/∂x = mask / (1 − p)
        XCTAssertEqual(withoutGradients { dropout(x) }.value, x.value)
        XCTAssertEqual(withLearningPhase(.inference) { dropout(x) }.value, x.value)
        XCTAssertNotEqual(withoutGradients { withLearningPhase(.training) { dropout(x) } }.value, x.value)
        XCTAssertEqual(Sequential<Double>(dropout).predict(x.value), x.value)
    }
}
