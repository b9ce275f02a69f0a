import Backprop
import BackpropNN
import BackpropTesting
import XCTest

final class PerSampleGradientsTests: XCTestCase {
    /// A layer with a parameter and no per-sample rule: it makes the fallback run.
    private struct Scale: Layer {
        let factor = Variable(Tensor<Double>([1.5, -0.5]), requiresGradient: true)
        func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { x * factor }
        var namedParameters: [NamedParameter<Double>] { [NamedParameter("factor", factor)] }
    }
    private let loss = { (y: Variable<Double>, t: Variable<Double>) in ((y - t).squared()).sum(alongAxis: 1) }

    private func data(_ samples: Int) -> (Tensor<Double>, Tensor<Double>) {
        var rng = SeededGenerator(seed: 5)
        return (Tensor.uniform([samples, 3], in: -1..<1, using: &rng), Tensor.uniform([samples, 2], in: -1..<1, using: &rng))
    }
    private func models() -> [(String, Sequential<Double>)] {
        var rng = SeededGenerator(seed: 1)
        let first = Dense<Double>(inputSize: 3, outputSize: 4, activation: .tanh, using: &rng)
        let second = Dense<Double>(inputSize: 4, outputSize: 2, activation: .sigmoid, biasInitializer: .uniformUnit, using: &rng)
        return [
            ("one pass", Sequential(first, ActivationLayer(.relu), Sequential(second))),
            ("fallback", Sequential(first, second, Scale())),
        ]
    }

    /// The gradient of sample n alone, by an ordinary backward pass.
    private func single(_ model: Sequential<Double>, _ x: Tensor<Double>, _ t: Tensor<Double>, _ n: Int) -> [Tensor<Double>] {
        let row = { (m: Tensor<Double>) in withoutGradients { Variable(m).rows(n..<n + 1).value } }
        return gradients(of: loss(model(Variable(row(x))), Variable(row(t))).sum(), withRespectTo: model.parameters)
    }

    func testEachSampleGetsItsOwnBackwardAndTheSumIsTheBatchGradient() {
        let (x, t) = data(5)
        for (path, model) in models() {
            let perSample = perSampleGradients(of: model, input: x, target: t, loss: loss)
            XCTAssertEqual(perSample.names, model.namedParameters.map(\.name))
            for n in 0..<5 {
                for (p, expected) in single(model, x, t, n).enumerated() {
                    let mine = withoutGradients { Variable(perSample.gradients[p]).rows(n..<n + 1).value }
                    assertClose(mine.reshaped(to: expected.shape), expected, absoluteTolerance: 1e-14, "\(path): sample \(n), \(perSample.names[p])")
                }
            }
            let batch = gradients(of: loss(model(Variable(x)), Variable(t)).sum(), withRespectTo: model.parameters)
            for (sum, expected) in zip(perSample.sum(), batch) {
                assertClose(sum, expected, absoluteTolerance: 1e-14, path)
            }
        }
    }

    func testNormsAndClippingAsDPSGDNeeds() {
        let (x, t) = data(4)
        let perSample = perSampleGradients(of: models()[0].1, input: x, target: t, loss: loss)
        let flat: [[Double]] = (0..<4).map { (n: Int) -> [Double] in
            perSample.gradients.flatMap { (g: Tensor<Double>) -> [Double] in
                let width = g.count / 4
                return Array(g.scalars[(n * width)..<((n + 1) * width)])
            }
        }
        let norms: [Double] = flat.map { $0.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        for (mine, expected) in zip(perSample.norms, norms) { XCTAssertEqual(mine, expected, accuracy: 1e-14) }
        // A bound above every norm clips nothing; a bound below scales each sample to it.
        for (a, b) in zip(perSample.clippedSum(maxNorm: norms.max()! * 2), perSample.sum()) {
            XCTAssertEqual(a.scalars, b.scalars)
        }
        let bound = norms.min()! / 2
        let clipped = perSample.clippedSum(maxNorm: bound).flatMap(\.scalars)
        var expected = [Double](repeating: 0, count: flat[0].count)
        for (g, norm) in zip(flat, norms) {
            for i in expected.indices { expected[i] += g[i] * bound / norm }
        }
        for (a, b) in zip(clipped, expected) { XCTAssertEqual(a, b, accuracy: 1e-14) }
    }

    func testADenseLayerAloneUsesItsRule() {
        let (x, t) = data(3)
        var rng = SeededGenerator(seed: 2)
        let dense = Dense<Double>(inputSize: 3, outputSize: 2, activation: .tanh, using: &rng)
        let perSample = perSampleGradients(of: dense, input: x, target: t, loss: loss)
        XCTAssertEqual(perSample["weight"].shape, [3, 3, 2])
        XCTAssertEqual(perSample["bias"].shape, [3, 2])
        assertClose(perSample.sum()[0], gradients(of: loss(dense(Variable(x)), Variable(t)).sum(), withRespectTo: [dense.weight])[0], absoluteTolerance: 1e-14)
    }

    /// `Scale` with its own per-sample rule: ∇factorₙ = xₙ ⊙ gₙ, or (`broken`) zeros.
    private struct RuledScale: PerSampleGradientRule {
        var broken = false
        let scale = Scale()
        func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { scale(x) }
        var namedParameters: [NamedParameter<Double>] { scale.namedParameters }
        func perSampleGradients(input: Tensor<Double>, output: Tensor<Double>, outputGradient: Tensor<Double>) -> [Tensor<Double>] {
            [broken ? .zeros(input.shape) : input * outputGradient]
        }
    }

    func testALayerOfYourOwnPlugsItsRuleIn() {
        let (x, t) = data(4)
        var rng = SeededGenerator(seed: 3)
        let dense = Dense<Double>(inputSize: 3, outputSize: 2, activation: .tanh, using: &rng)
        let ruled = Sequential<Double>(dense, RuledScale())
        let perSample = perSampleGradients(of: ruled, input: x, target: t, loss: loss)
        for n in 0..<4 {
            let expected = single(ruled, x, t, n)[2]
            assertClose(withoutGradients { Variable(perSample["1.factor"]).rows(n..<n + 1).value }.reshaped(to: [2]), expected, absoluteTolerance: 1e-14)
        }
        // The rule is what runs: a broken one shows in the result.
        let broken = perSampleGradients(of: Sequential<Double>(dense, RuledScale(broken: true)), input: x, target: t, loss: loss)
        XCTAssertEqual(broken["1.factor"].scalars, [Double](repeating: 0, count: 8))
    }

    /// Each convolution kind's rule, called directly (so the test fails if the rule is wrong
    /// rather than falling back), against a backward pass of each sample alone; and a small
    /// CNN (convolution, flatten, dense) through `perSampleGradients`.
    func testConvolutionLayersFormEachSamplesKernelGradientFromOnePass() {
        var rng = SeededGenerator(seed: 4)
        let layers: [(String, any Layer<Double>, TensorShape)] = [
            ("conv2d", Conv2D<Double>(.init(inChannels: 4, outChannels: 6, kernelSize: 3, stride: 2, padding: 1,
                                             dilation: 1, groups: 2, activation: .tanh), using: &rng), [3, 4, 7, 6]),
            ("conv1d", Conv1D<Double>(.init(inChannels: 2, outChannels: 3, kernelSize: 3, dilation: 2, usesBias: false,
                                             activation: .relu), using: &rng), [3, 2, 9]),
            ("convTranspose2d", ConvTranspose2D<Double>(.init(inChannels: 2, outChannels: 4, kernelSize: 3, stride: 2,
                                                              padding: 1, outputPadding: 1, groups: 2), using: &rng), [3, 2, 4, 5]),
        ]
        for (name, layer, shape) in layers {
            let x = Tensor<Double>.uniform(shape, in: -1..<1, using: &rng)
            let y = layer(Variable(x)).value
            let g = Tensor<Double>.uniform(y.shape, in: -1..<1, using: &rng)
            let rule = layer as! any PerSampleGradientRule<Double>
            let perSample = rule.perSampleGradients(input: x, output: y, outputGradient: g)
            XCTAssertEqual(perSample.count, layer.namedParameters.count, name)
            for n in 0..<3 {
                let row = { (m: Tensor<Double>) in withoutGradients { Variable(m).rows(n..<n + 1) } }
                let expected = gradients(of: (layer(row(x)) * row(g)).sum(), withRespectTo: layer.parameters)
                for (p, e) in expected.enumerated() {
                    let mine = withoutGradients { Variable(perSample[p]).rows(n..<n + 1).value }
                    assertClose(mine.reshaped(to: e.shape), e, absoluteTolerance: 1e-13, "\(name): sample \(n), parameter \(p)")
                }
            }
        }
        let cnn = Sequential<Double>(
            Conv2D(.init(inChannels: 1, outChannels: 3, kernelSize: 3, padding: 1, activation: .relu), using: &rng),
            Flatten(), Dense(inputSize: 3 * 4 * 4, outputSize: 2, using: &rng))
        let x = Tensor<Double>.uniform([5, 1, 4, 4], in: -1..<1, using: &rng)
        let t = Tensor<Double>.uniform([5, 2], in: -1..<1, using: &rng)
        let perSample = perSampleGradients(of: cnn, input: x, target: t, loss: loss)
        for n in 0..<5 {
            for (p, expected) in single(cnn, x, t, n).enumerated() {
                let mine = withoutGradients { Variable(perSample.gradients[p]).rows(n..<n + 1).value }
                assertClose(mine.reshaped(to: expected.shape), expected, absoluteTolerance: 1e-13, "cnn: sample \(n), \(perSample.names[p])")
            }
        }
    }
}
