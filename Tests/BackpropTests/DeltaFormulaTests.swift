import Backprop
import XCTest

/// The generic autodiff against the closed-form δ formulas of classic backpropagation (the
/// per-sample column-vector recursion, the batched row-vector form and Zhou's threshold
/// form), computed by the independent oracle in `Oracle/ClassicBackprop.swift`.
final class DeltaFormulaTests: XCTestCase {
    typealias Oracle = ClassicBackprop

    /// Double agrees with the oracle to this relative error, element by element.
    let doubleTolerance = 1e-12

    // MARK: 1. Column-vector form, 3 → 4 → 2, ½‖·‖²

    func testColumnFormThreeFourTwoMatchesDeltaRecursion() {
        for seed: UInt64 in [0, 1, 2, 3, 7, 42, 1234] {
            var random = Oracle.Random(seed: seed)
            let layers = randomColumnLayers([3, 4, 2], &random)
            let input = random.uniforms(3, -1, 1)
            let target = random.uniforms(2, 0, 1)
            let expected = Oracle.columnGradients(layers, input: input, target: target)

            let net = ColumnNet<Double>(layers)
            let (loss, preActivations) = net.loss(input: input, target: target)
            assertRelativelyClose(
                loss.value.scalar, expected.loss, tolerance: doubleTolerance, "seed \(seed) loss")
            // δ^(l) = ∇_(u^(l)) L, read off the graph with the functional form.
            let deltas = gradients(of: loss, withRespectTo: preActivations)
            for l in 0..<layers.count {
                assertRelativelyClose(
                    deltas[l], expected.deltas[l], tolerance: doubleTolerance,
                    "seed \(seed) δ^(\(l + 1))")
            }
            loss.backward()
            for l in 0..<layers.count {
                assertRelativelyClose(
                    net.weights[l].gradient, expected.weightGradients[l],
                    tolerance: doubleTolerance, "seed \(seed) ∇W^(\(l + 1)) = δxᵀ")
                assertRelativelyClose(
                    net.biases[l].gradient, expected.biasGradients[l], tolerance: doubleTolerance,
                    "seed \(seed) ∇b^(\(l + 1)) = δ")
            }
        }
    }

    // MARK: 2. Row-vector batched form, mean loss over the mini-batch

    func testRowFormBatchedMeanLossMatchesOracle() {
        for (seed, widths, rows) in [
            (UInt64(0), [3, 4, 2], 5), (1, [3, 4, 2], 1), (2, [5, 3, 4, 2], 8), (3, [2, 6, 1], 3),
        ] {
            var random = Oracle.Random(seed: seed)
            let layers = randomRowLayers(widths, &random)
            let inputs = random.uniforms(rows * widths[0], -1, 1)
            let targets = random.uniforms(rows * widths.last!, 0, 1)
            let expected = Oracle.rowGradients(
                layers, inputs: inputs, targets: targets, rows: rows, factor: 1 / Double(rows))

            let net = RowNet<Double>(layers)
            let output = net.forward(inputs, rows: rows)
            let y = Variable(Tensor<Double>(shape: [rows, widths.last!], scalars: targets))
            // The mean loss of batched training: (1/m) Σ_k ½‖ŷ_k − y_k‖².
            let loss = halfSquaredError(output, y).scaled(by: 1 / Double(rows))
            assertRelativelyClose(
                loss.value.scalar, expected.loss, tolerance: doubleTolerance, "seed \(seed) loss")
            loss.backward()
            for l in 0..<layers.count {
                assertRelativelyClose(
                    net.weights[l].gradient, expected.weightGradients[l],
                    tolerance: doubleTolerance, "seed \(seed) ∇W^(\(l + 1)) = XᵀΔ")
                assertRelativelyClose(
                    net.biases[l].gradient, expected.biasGradients[l], tolerance: doubleTolerance,
                    "seed \(seed) ∇b^(\(l + 1)) = column sums of Δ")
            }
        }
    }

    /// The 1/m factor: the batched mean-loss gradient is the mean of the per-sample
    /// (column-vector) gradients, and meanSquaredError is the same loss times 2/n.
    func testBatchGradientIsMeanOfPerSampleGradients() {
        var random = Oracle.Random(seed: 11)
        let (rows, widths) = (6, [3, 4, 2])
        let rowLayers = randomRowLayers(widths, &random)
        let inputs = random.uniforms(rows * 3, -1, 1)
        let targets = random.uniforms(rows * 2, 0, 1)
        // Per-sample oracle on the same parameters in the column layout (W transposed).
        let columnLayers = rowLayers.map(columnLayout)
        var meanWeights = columnLayers.map { [Double](repeating: 0, count: $0.weights.count) }
        var meanBiases = columnLayers.map { [Double](repeating: 0, count: $0.bias.count) }
        for r in 0..<rows {
            let sample = Oracle.columnGradients(
                columnLayers, input: Array(inputs[(r * 3)..<(r * 3 + 3)]),
                target: Array(targets[(r * 2)..<(r * 2 + 2)]))
            for l in 0..<columnLayers.count {
                for i in meanWeights[l].indices {
                    meanWeights[l][i] += sample.weightGradients[l][i] / Double(rows)
                }
                for i in meanBiases[l].indices {
                    meanBiases[l][i] += sample.biasGradients[l][i] / Double(rows)
                }
            }
        }
        // The same net in the column layout on a batch: U = X Wᵀ + b, W of shape
        // s_l × s_(l−1).
        let net = ColumnNet<Double>(columnLayers)
        let x = Variable(Tensor<Double>(shape: [rows, 3], scalars: inputs))
        var h = x
        for l in 0..<columnLayers.count {
            h =
                (h.matmul(net.weights[l], transposingOther: true)
                + net.biases[l].reshaped(to: [columnLayers[l].outputs])).sigmoid()
        }
        let y = Variable(Tensor<Double>(shape: [rows, 2], scalars: targets))
        // MSE = (1/(m n)) Σ (ŷ − y)² = (2/n) · (1/m) Σ ½‖ŷ − y‖²: times n/2 it is the mean
        // of the per-sample losses (n = 2 outputs here, so the factor happens to be 1).
        let n = 2.0
        let loss = meanSquaredError(h, y).scaled(by: n / 2)
        loss.backward()
        for l in 0..<columnLayers.count {
            assertRelativelyClose(
                net.weights[l].gradient, meanWeights[l], tolerance: 1e-12, "∇W^(\(l + 1))")
            assertRelativelyClose(
                net.biases[l].gradient, meanBiases[l], tolerance: 1e-12, "∇b^(\(l + 1))")
        }
    }

    /// The batch as columns, W X + b with b of shape [s_l, 1] broadcast along the columns:
    /// the same gradients as the row form (transposed).
    func testColumnBatchWithColumnBiasBroadcast() {
        var random = Oracle.Random(seed: 5)
        let (rows, widths) = (4, [3, 4, 2])
        let rowLayers = randomRowLayers(widths, &random)
        let inputs = random.uniforms(rows * 3, -1, 1)
        let targets = random.uniforms(rows * 2, 0, 1)
        let expected = Oracle.rowGradients(
            rowLayers, inputs: inputs, targets: targets, rows: rows, factor: 1 / Double(rows))
        let columnLayers = rowLayers.map(columnLayout)
        let net = ColumnNet<Double>(columnLayers)
        var h = Variable(Tensor<Double>(shape: [rows, 3], scalars: inputs)).transposed()
        for l in 0..<columnLayers.count {
            h = (net.weights[l].matmul(h) + net.biases[l]).sigmoid()
        }
        let y = Variable(Tensor<Double>(shape: [rows, 2], scalars: targets)).transposed()
        let loss = halfSquaredError(h, y) * (1 / Double(rows))
        loss.backward()
        for l in 0..<columnLayers.count {
            assertRelativelyClose(
                net.weights[l].gradient?.transposed(), expected.weightGradients[l],
                tolerance: doubleTolerance, "∇W^(\(l + 1))")
            assertRelativelyClose(
                net.biases[l].gradient, expected.biasGradients[l], tolerance: doubleTolerance,
                "∇b^(\(l + 1))")
        }
    }

    // MARK: 3. Threshold form, equations 5.10–5.15

    func testThresholdFormMatchesEquations5_10To5_15() {
        let eta = 0.1
        for seed: UInt64 in [0, 1, 2, 3] {
            var random = Oracle.Random(seed: seed)
            let (d, q, l) = (random.int(in: 2...5), random.int(in: 2...6), random.int(in: 1...3))
            let p = ThresholdParameters(d: d, q: q, l: l, &random)
            let expected = Oracle.thresholdStep(
                x: p.x, y: p.y, v: p.v, gamma: p.gamma, w: p.w, theta: p.theta, learningRate: eta)

            let v = Variable(Tensor<Double>(shape: [d, q], scalars: p.v), requiresGradient: true)
            let gamma = Variable(Tensor<Double>(p.gamma), requiresGradient: true)
            let w = Variable(Tensor<Double>(shape: [q, l], scalars: p.w), requiresGradient: true)
            let theta = Variable(Tensor<Double>(p.theta), requiresGradient: true)
            let x = Variable(Tensor<Double>(shape: [1, d], scalars: p.x))
            // A threshold is subtracted: b_h = f(α_h − γ_h), ŷ_j = f(β_j − θ_j).
            let alpha = x.matmul(v)
            let hidden = (alpha - gamma).sigmoid()
            let beta = hidden.matmul(w)
            let output = (beta - theta).sigmoid()
            let error = halfSquaredError(output, Variable(Tensor(shape: [1, l], scalars: p.y)))
            assertRelativelyClose(hidden.value, expected.hidden, tolerance: doubleTolerance, "b_h")
            assertRelativelyClose(output.value, expected.output, tolerance: doubleTolerance, "ŷ_j")

            // g_j = −∂E/∂β_j (5.10), e_h = −∂E/∂α_h (5.15).
            let inner = gradients(of: error, withRespectTo: [beta, alpha])
            assertRelativelyClose(-inner[0], expected.g, tolerance: doubleTolerance, "g_j (5.10)")
            assertRelativelyClose(-inner[1], expected.e, tolerance: doubleTolerance, "e_h (5.15)")

            error.backward()
            assertRelativelyClose(
                -eta * w.gradient!, expected.deltaW, tolerance: doubleTolerance, "Δw_hj (5.11)")
            assertRelativelyClose(
                -eta * theta.gradient!, expected.deltaTheta, tolerance: doubleTolerance,
                "Δθ_j (5.12)")
            assertRelativelyClose(
                -eta * v.gradient!, expected.deltaV, tolerance: doubleTolerance, "Δv_ih (5.13)")
            assertRelativelyClose(
                -eta * gamma.gradient!, expected.deltaGamma, tolerance: doubleTolerance,
                "Δγ_h (5.14)")
        }
    }

    /// "A threshold is a bias with the opposite sign": fold γ into the weights as the row of
    /// an extra input fixed at −1, and θ as a bias −θ added with broadcasting.
    func testThresholdsAsBiasesWithOppositeSign() {
        let eta = 0.2
        var random = Oracle.Random(seed: 99)
        let (d, q, l) = (3, 4, 2)
        let p = ThresholdParameters(d: d, q: q, l: l, &random)
        let expected = Oracle.thresholdStep(
            x: p.x, y: p.y, v: p.v, gamma: p.gamma, w: p.w, theta: p.theta, learningRate: eta)

        // Ṽ = [V; γ] of shape (d + 1) × q, x̃ = [x, −1].
        let vTilde = Variable(
            Tensor<Double>(shape: [d + 1, q], scalars: p.v + p.gamma), requiresGradient: true)
        let xTilde = Variable(Tensor<Double>(shape: [1, d + 1], scalars: p.x + [-1]))
        let w = Variable(Tensor<Double>(shape: [q, l], scalars: p.w), requiresGradient: true)
        let bias = Variable(Tensor<Double>(p.theta.map { -$0 }), requiresGradient: true)
        let hidden = xTilde.matmul(vTilde).sigmoid()
        let output = (hidden.matmul(w) + bias).sigmoid()
        let error = halfSquaredError(output, Variable(Tensor(shape: [1, l], scalars: p.y)))
        error.backward()

        // SGD on the folded parameters: Ṽ − η∇Ṽ must equal [V + ΔV; γ + Δγ], and the bias
        // −θ − η∇(−θ) must equal −(θ + Δθ).
        var newV = vTilde.value
        newV.addScaled(vTilde.gradient!, by: -eta)
        var newBias = bias.value
        newBias.addScaled(bias.gradient!, by: -eta)
        var newW = w.value
        newW.addScaled(w.gradient!, by: -eta)
        let expectedV = zip(p.v, expected.deltaV).map(+) + zip(p.gamma, expected.deltaGamma).map(+)
        assertRelativelyClose(newV, expectedV, tolerance: doubleTolerance, "[v + Δv; γ + Δγ]")
        assertRelativelyClose(
            newBias, zip(p.theta, expected.deltaTheta).map { -($0 + $1) },
            tolerance: doubleTolerance, "−(θ + Δθ)")
        assertRelativelyClose(
            newW, zip(p.w, expected.deltaW).map(+), tolerance: doubleTolerance, "w + Δw")
    }

    // MARK: 4. Random deeper nets, Double and Float

    func testRandomDeepNetsDouble() {
        for seed: UInt64 in 100..<112 {
            checkRandomDeepNet(seed: seed, as: Double.self, tolerance: doubleTolerance)
        }
    }

    func testRandomDeepNetsFloat() {
        // Float: about 24 bits, and a deep net sums many rounded products (worst seen: 1.4e-5
        // element-wise on these seeds); compare against
        // the Double oracle run on the same Float-rounded numbers.
        for seed: UInt64 in 200..<212 {
            checkRandomDeepNet(seed: seed, as: Float.self, tolerance: 1e-4)
        }
    }

    private func checkRandomDeepNet<S: TensorScalar>(
        seed: UInt64, as: S.Type, tolerance: Double, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        var random = Oracle.Random(seed: seed)
        let depth = random.int(in: 4...7)
        let widths = (0...depth).map { _ in random.int(in: 1...9) }
        let rows = random.int(in: 1...6)
        // Round every number to S first, so both sides see the same inputs.
        let round = { (values: [Double]) in values.map { Double(S($0)) } }
        var layers = randomRowLayers(widths, &random)
        for i in layers.indices {
            layers[i].weights = round(layers[i].weights)
            layers[i].bias = round(layers[i].bias)
        }
        let inputs = round(random.uniforms(rows * widths[0], -2, 2))
        let targets = round(random.uniforms(rows * widths[depth], 0, 1))
        let expected = Oracle.rowGradients(
            layers, inputs: inputs, targets: targets, rows: rows, factor: 1 / Double(rows))

        let net = RowNet<S>(layers)
        let output = net.forward(inputs, rows: rows)
        let y = Variable(
            Tensor<S>(shape: [rows, widths[depth]], scalars: targets.map { S($0) }))
        let loss = halfSquaredError(output, y).scaled(by: 1 / S(rows))
        loss.backward()
        let context = "seed \(seed), widths \(widths), \(rows) rows, \(S.self)"
        assertRelativelyClose(
            Double(loss.value.scalar), expected.loss, tolerance: tolerance, "\(context): loss",
            file: file, line: line)
        for l in 0..<depth {
            assertRelativelyClose(
                net.weights[l].gradient, expected.weightGradients[l], tolerance: tolerance,
                "\(context): ∇W^(\(l + 1))", file: file, line: line)
            assertRelativelyClose(
                net.biases[l].gradient, expected.biasGradients[l], tolerance: tolerance,
                "\(context): ∇b^(\(l + 1))", file: file, line: line)
        }
    }

    // MARK: 5. Full SGD steps

    /// Per-sample SGD (three samples, three steps) in the column form: the parameters after
    /// every step equal the oracle's W − η∇W, b − η∇b.
    func testSGDStepsMatchOracle() {
        let learningRate = 0.5
        var random = Oracle.Random(seed: 2024)
        var layers = randomColumnLayers([3, 4, 2], &random)
        let net = ColumnNet<Double>(layers)
        for step in 0..<3 {
            let input = random.uniforms(3, -1, 1)
            let target = random.uniforms(2, 0, 1)
            let expected = Oracle.columnGradients(layers, input: input, target: target)
            for l in layers.indices {
                for i in layers[l].weights.indices {
                    layers[l].weights[i] -= learningRate * expected.weightGradients[l][i]
                }
                for i in layers[l].bias.indices {
                    layers[l].bias[i] -= learningRate * expected.biasGradients[l][i]
                }
            }

            net.loss(input: input, target: target).loss.backward()
            for parameter in net.weights + net.biases {
                parameter.value.addScaled(parameter.gradient!, by: -learningRate)
                parameter.zeroGradient()
            }
            for l in layers.indices {
                assertRelativelyClose(
                    net.weights[l].value, layers[l].weights, tolerance: doubleTolerance,
                    "step \(step): W^(\(l + 1))")
                assertRelativelyClose(
                    net.biases[l].value, layers[l].bias, tolerance: doubleTolerance,
                    "step \(step): b^(\(l + 1))")
            }
        }
    }

    /// One mini-batch step in the row form with the mean loss.
    func testBatchSGDStepMatchesOracle() {
        let (learningRate, rows) = (0.3, 8)
        var random = Oracle.Random(seed: 77)
        let layers = randomRowLayers([4, 5, 3, 2], &random)
        let inputs = random.uniforms(rows * 4, -1, 1)
        let targets = random.uniforms(rows * 2, 0, 1)
        let expected = Oracle.rowGradients(
            layers, inputs: inputs, targets: targets, rows: rows, factor: 1 / Double(rows))

        let net = RowNet<Double>(layers)
        let y = Variable(Tensor<Double>(shape: [rows, 2], scalars: targets))
        halfSquaredError(net.forward(inputs, rows: rows), y).scaled(by: 1 / Double(rows))
            .backward()
        for parameter in net.weights + net.biases {
            parameter.value.addScaled(parameter.gradient!, by: -learningRate)
        }
        for l in layers.indices {
            let newWeights = zip(layers[l].weights, expected.weightGradients[l]).map {
                $0 - learningRate * $1
            }
            let newBias = zip(layers[l].bias, expected.biasGradients[l]).map {
                $0 - learningRate * $1
            }
            assertRelativelyClose(
                net.weights[l].value, newWeights, tolerance: doubleTolerance, "W^(\(l + 1))")
            assertRelativelyClose(
                net.biases[l].value, newBias, tolerance: doubleTolerance, "b^(\(l + 1))")
        }
    }

    /// The oracle itself: its ∇W agrees with central differences of its own loss, so the
    /// comparisons above do not rest on an oracle that is wrong in the same way.
    func testOracleAgreesWithFiniteDifferences() {
        var random = Oracle.Random(seed: 3)
        var layers = randomColumnLayers([3, 4, 2], &random)
        let input = random.uniforms(3, -1, 1)
        let target = random.uniforms(2, 0, 1)
        let analytic = Oracle.columnGradients(layers, input: input, target: target)
        let h = 1e-6
        for l in layers.indices {
            for i in layers[l].weights.indices {
                let original = layers[l].weights[i]
                layers[l].weights[i] = original + h
                let plus = Oracle.columnGradients(layers, input: input, target: target).loss
                layers[l].weights[i] = original - h
                let minus = Oracle.columnGradients(layers, input: input, target: target).loss
                layers[l].weights[i] = original
                XCTAssertEqual(
                    (plus - minus) / (2 * h), analytic.weightGradients[l][i], accuracy: 1e-8)
            }
        }
    }
}

// MARK: - Nets built from Variable ops on the oracle's numbers

/// The column layout: W of shape s_l × s_(l−1), b of shape [s_l, 1], x a column.
private struct ColumnNet<S: TensorScalar> {
    let weights: [Variable<S>]
    let biases: [Variable<S>]

    init(_ layers: [ClassicBackprop.ColumnLayer]) {
        weights = layers.map {
            Variable(
                Tensor(shape: [$0.outputs, $0.inputs], scalars: $0.weights.map { S($0) }),
                requiresGradient: true)
        }
        biases = layers.map {
            Variable(
                Tensor(shape: [$0.outputs, 1], scalars: $0.bias.map { S($0) }),
                requiresGradient: true)
        }
    }

    /// ½‖x^(L) − y‖² and the pre-activations u^(l) = W x + b.
    func loss(input: [Double], target: [Double]) -> (
        loss: Variable<S>, preActivations: [Variable<S>]
    ) {
        var x = Variable(Tensor<S>(shape: [input.count, 1], scalars: input.map { S($0) }))
        var preActivations: [Variable<S>] = []
        for (w, b) in zip(weights, biases) {
            let u = w.matmul(x) + b
            preActivations.append(u)
            x = u.sigmoid()
        }
        let y = Variable(Tensor<S>(shape: [target.count, 1], scalars: target.map { S($0) }))
        return (halfSquaredError(x, y), preActivations)
    }
}

/// The row layout: W of shape s_(l−1) × s_l, b of shape [s_l] broadcast over the rows.
private struct RowNet<S: TensorScalar> {
    let weights: [Variable<S>]
    let biases: [Variable<S>]

    init(_ layers: [ClassicBackprop.RowLayer]) {
        weights = layers.map {
            Variable(
                Tensor(shape: [$0.inputs, $0.outputs], scalars: $0.weights.map { S($0) }),
                requiresGradient: true)
        }
        biases = layers.map { Variable(Tensor($0.bias.map { S($0) }), requiresGradient: true) }
    }

    func forward(_ inputs: [Double], rows: Int) -> Variable<S> {
        var x = Variable(
            Tensor<S>(shape: [rows, inputs.count / rows], scalars: inputs.map { S($0) }))
        for (w, b) in zip(weights, biases) { x = (x.matmul(w) + b).sigmoid() }
        return x
    }
}

/// Draws the numbers of a threshold-form net from the oracle's generator.
private struct ThresholdParameters {
    var x, y, v, gamma, w, theta: [Double]
    init(d: Int, q: Int, l: Int, _ random: inout ClassicBackprop.Random) {
        x = random.uniforms(d, 0, 1)
        y = random.uniforms(l, 0, 1)
        v = random.uniforms(d * q, -1, 1)
        gamma = random.uniforms(q, -1, 1)
        w = random.uniforms(q * l, -1, 1)
        theta = random.uniforms(l, -1, 1)
    }
}

private func randomColumnLayers(_ widths: [Int], _ random: inout ClassicBackprop.Random)
    -> [ClassicBackprop.ColumnLayer]
{
    (1..<widths.count).map { l in
        ClassicBackprop.ColumnLayer(
            inputs: widths[l - 1], outputs: widths[l],
            weights: random.uniforms(widths[l] * widths[l - 1], -1, 1),
            bias: random.uniforms(widths[l], -1, 1))
    }
}

private func randomRowLayers(_ widths: [Int], _ random: inout ClassicBackprop.Random)
    -> [ClassicBackprop.RowLayer]
{
    (1..<widths.count).map { l in
        ClassicBackprop.RowLayer(
            inputs: widths[l - 1], outputs: widths[l],
            weights: random.uniforms(widths[l - 1] * widths[l], -1, 1),
            bias: random.uniforms(widths[l], -1, 1))
    }
}

/// The same layer in the column layout (W transposed).
private func columnLayout(_ layer: ClassicBackprop.RowLayer) -> ClassicBackprop.ColumnLayer {
    var weights = [Double](repeating: 0, count: layer.weights.count)
    for k in 0..<layer.inputs {
        for i in 0..<layer.outputs {
            weights[i * layer.inputs + k] = layer.weights[k * layer.outputs + i]
        }
    }
    return ClassicBackprop.ColumnLayer(
        inputs: layer.inputs, outputs: layer.outputs, weights: weights, bias: layer.bias)
}
