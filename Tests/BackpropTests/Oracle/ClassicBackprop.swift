// The classic backpropagation algorithm (the per-sample column-vector δ recursion, the
// row-vector batched form, and the threshold form of Zhou's *Machine Learning*, §5.3),
// written independently as a test oracle:
// plain loops over `[Double]`, no Tensor, no Variable, no autodiff. Nothing here calls the
// library, so the tests that compare against it cannot agree with the library by
// construction.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The textbook algorithm, as closed-form δ formulas.
enum ClassicBackprop {
    /// f(u) = 1 / (1 + e^(−u)), straight from the definition (no overflow guard: the
    /// oracle only sees moderate inputs).
    static func sigmoid(_ u: Double) -> Double { 1 / (1 + exp(-u)) }

    // MARK: Column-vector form, one sample

    /// One layer in the column layout, u = W x + b: W is s_l × s_(l−1) (row i = the weights into
    /// neuron i), stored row-major: W[i][j] = `weights[i * inputs + j]`.
    struct ColumnLayer {
        var inputs: Int
        var outputs: Int
        var weights: [Double]
        var bias: [Double]
    }

    /// What the per-sample algorithm computes.
    struct ColumnResult {
        /// L = ½‖x^(L) − y‖².
        var loss: Double
        /// x^(0) … x^(L).
        var activations: [[Double]]
        /// δ^(1) … δ^(L) (index l − 1).
        var deltas: [[Double]]
        /// ∇_W^(l) L = δ^(l) (x^(l−1))ᵀ, row-major s_l × s_(l−1).
        var weightGradients: [[Double]]
        /// ∇_b^(l) L = δ^(l).
        var biasGradients: [[Double]]
    }

    /// Forward keeping x^(l−1) and f'(u^(l)); δ^(L) = (x^(L) − y) ⊙ f'(u^(L));
    /// δ^(l) = ((W^(l+1))ᵀ δ^(l+1)) ⊙ f'(u^(l)); ∇W = δ xᵀ; ∇b = δ.
    static func columnGradients(_ layers: [ColumnLayer], input: [Double], target: [Double])
        -> ColumnResult
    {
        var activations = [input]
        var derivatives: [[Double]] = []  // f'(u^(l)) = x^(l) (1 − x^(l))
        for layer in layers {
            let x = activations[activations.count - 1]
            precondition(x.count == layer.inputs)
            var a = [Double](repeating: 0, count: layer.outputs)
            var d = [Double](repeating: 0, count: layer.outputs)
            for i in 0..<layer.outputs {
                var u = layer.bias[i]
                for j in 0..<layer.inputs { u += layer.weights[i * layer.inputs + j] * x[j] }
                a[i] = sigmoid(u)
                d[i] = a[i] * (1 - a[i])
            }
            activations.append(a)
            derivatives.append(d)
        }
        let output = activations[activations.count - 1]
        precondition(output.count == target.count)
        var loss = 0.0
        for i in 0..<output.count {
            loss += 0.5 * (output[i] - target[i]) * (output[i] - target[i])
        }

        let depth = layers.count
        var deltas = [[Double]](repeating: [], count: depth)
        var delta = [Double](repeating: 0, count: output.count)
        for i in 0..<output.count { delta[i] = (output[i] - target[i]) * derivatives[depth - 1][i] }
        deltas[depth - 1] = delta
        for l in stride(from: depth - 2, through: 0, by: -1) {
            let next = layers[l + 1]
            var current = [Double](repeating: 0, count: layers[l].outputs)
            for j in 0..<next.inputs {
                var s = 0.0
                for i in 0..<next.outputs {
                    s += next.weights[i * next.inputs + j] * deltas[l + 1][i]
                }
                current[j] = s * derivatives[l][j]
            }
            deltas[l] = current
        }
        var weightGradients: [[Double]] = []
        for (l, layer) in layers.enumerated() {
            var g = [Double](repeating: 0, count: layer.outputs * layer.inputs)
            for i in 0..<layer.outputs {
                for j in 0..<layer.inputs {
                    g[i * layer.inputs + j] = deltas[l][i] * activations[l][j]
                }
            }
            weightGradients.append(g)
        }
        return ColumnResult(
            loss: loss, activations: activations, deltas: deltas,
            weightGradients: weightGradients, biasGradients: deltas)
    }

    // MARK: Row-vector form, a batch

    /// One layer in the row layout, U = X W + b: W is s_(l−1) × s_l,
    /// W[k][i] = `weights[k * outputs + i]`.
    struct RowLayer {
        var inputs: Int
        var outputs: Int
        var weights: [Double]
        var bias: [Double]
    }

    /// What the batched algorithm computes; matrices are row-major.
    struct RowResult {
        var loss: Double
        /// Δ^(1) … Δ^(L), each m × s_l.
        var deltas: [[Double]]
        /// ∇_W L = (X^(l−1))ᵀ Δ^(l), s_(l−1) × s_l.
        var weightGradients: [[Double]]
        /// ∇_b L = column sums of Δ^(l).
        var biasGradients: [[Double]]
    }

    /// U = X W + b (b on every row); the loss is `factor · ½ Σ (X^(L) − Y)²` (factor 1/m is
    /// the mean over the mini-batch), so Δ^(L) = factor · (X^(L) − Y) ⊙ f'(U^(L)),
    /// Δ^(l) = (Δ^(l+1) (W^(l+1))ᵀ) ⊙ f'(U^(l)), ∇W = Xᵀ Δ, ∇b = Σ_rows Δ.
    static func rowGradients(
        _ layers: [RowLayer], inputs: [Double], targets: [Double], rows m: Int, factor: Double
    ) -> RowResult {
        var activations = [inputs]  // each m × s_l
        var derivatives: [[Double]] = []
        for layer in layers {
            let x = activations[activations.count - 1]
            precondition(x.count == m * layer.inputs)
            var a = [Double](repeating: 0, count: m * layer.outputs)
            var d = a
            for r in 0..<m {
                for i in 0..<layer.outputs {
                    var u = layer.bias[i]
                    for k in 0..<layer.inputs {
                        u += x[r * layer.inputs + k] * layer.weights[k * layer.outputs + i]
                    }
                    let y = sigmoid(u)
                    a[r * layer.outputs + i] = y
                    d[r * layer.outputs + i] = y * (1 - y)
                }
            }
            activations.append(a)
            derivatives.append(d)
        }
        let depth = layers.count
        let output = activations[depth]
        precondition(output.count == targets.count)
        var loss = 0.0
        var delta = [Double](repeating: 0, count: output.count)
        for i in 0..<output.count {
            let e = output[i] - targets[i]
            loss += 0.5 * e * e
            delta[i] = factor * e * derivatives[depth - 1][i]
        }
        loss *= factor
        var deltas = [[Double]](repeating: [], count: depth)
        deltas[depth - 1] = delta
        for l in stride(from: depth - 2, through: 0, by: -1) {
            let next = layers[l + 1]
            var current = [Double](repeating: 0, count: m * next.inputs)
            for r in 0..<m {
                for k in 0..<next.inputs {
                    var s = 0.0
                    for i in 0..<next.outputs {
                        s +=
                            deltas[l + 1][r * next.outputs + i] * next.weights[k * next.outputs + i]
                    }
                    current[r * next.inputs + k] = s * derivatives[l][r * next.inputs + k]
                }
            }
            deltas[l] = current
        }
        var weightGradients: [[Double]] = []
        var biasGradients: [[Double]] = []
        for (l, layer) in layers.enumerated() {
            var gw = [Double](repeating: 0, count: layer.inputs * layer.outputs)
            var gb = [Double](repeating: 0, count: layer.outputs)
            for r in 0..<m {
                for i in 0..<layer.outputs {
                    let d = deltas[l][r * layer.outputs + i]
                    gb[i] += d
                    for k in 0..<layer.inputs {
                        gw[k * layer.outputs + i] += activations[l][r * layer.inputs + k] * d
                    }
                }
            }
            weightGradients.append(gw)
            biasGradients.append(gb)
        }
        return RowResult(
            loss: loss, deltas: deltas, weightGradients: weightGradients,
            biasGradients: biasGradients)
    }

    // MARK: Threshold form (Zhou, Machine Learning, §5.3, equations 5.10–5.15)

    /// One sample of "standard BP" for d inputs, q hidden and l outputs.
    /// `v` is d × q (v[i][h] = `v[i * q + h]`), `w` is q × l (w[h][j] = `w[h * l + j]`).
    struct ThresholdResult {
        var hidden: [Double]  // b_h
        var output: [Double]  // ŷ_j
        var g: [Double]  // (5.10)
        var e: [Double]  // (5.15)
        var deltaW: [Double]  // (5.11) q × l
        var deltaTheta: [Double]  // (5.12)
        var deltaV: [Double]  // (5.13) d × q
        var deltaGamma: [Double]  // (5.14)
    }

    static func thresholdStep(
        x: [Double], y: [Double], v: [Double], gamma: [Double], w: [Double], theta: [Double],
        learningRate eta: Double
    ) -> ThresholdResult {
        let d = x.count
        let q = gamma.count
        let l = theta.count
        var hidden = [Double](repeating: 0, count: q)
        for h in 0..<q {
            var alpha = 0.0
            for i in 0..<d { alpha += v[i * q + h] * x[i] }
            hidden[h] = sigmoid(alpha - gamma[h])
        }
        var output = [Double](repeating: 0, count: l)
        for j in 0..<l {
            var beta = 0.0
            for h in 0..<q { beta += w[h * l + j] * hidden[h] }
            output[j] = sigmoid(beta - theta[j])
        }
        var g = [Double](repeating: 0, count: l)
        for j in 0..<l { g[j] = output[j] * (1 - output[j]) * (y[j] - output[j]) }
        var e = [Double](repeating: 0, count: q)
        for h in 0..<q {
            var s = 0.0
            for j in 0..<l { s += w[h * l + j] * g[j] }
            e[h] = hidden[h] * (1 - hidden[h]) * s
        }
        var deltaW = [Double](repeating: 0, count: q * l)
        for h in 0..<q { for j in 0..<l { deltaW[h * l + j] = eta * g[j] * hidden[h] } }
        let deltaTheta = g.map { -eta * $0 }
        var deltaV = [Double](repeating: 0, count: d * q)
        for i in 0..<d { for h in 0..<q { deltaV[i * q + h] = eta * e[h] * x[i] } }
        let deltaGamma = e.map { -eta * $0 }
        return ThresholdResult(
            hidden: hidden, output: output, g: g, e: e, deltaW: deltaW, deltaTheta: deltaTheta,
            deltaV: deltaV, deltaGamma: deltaGamma)
    }

    // MARK: Random parameters without the library

    /// SplitMix64, a tiny generator of the oracle's own (the tests draw parameters from it
    /// and hand the same numbers to the library and to the oracle).
    struct Random {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform in [low, high).
        mutating func uniform(_ low: Double, _ high: Double) -> Double {
            low + (high - low) * Double(next() >> 11) * 0x1p-53
        }
        mutating func uniforms(_ count: Int, _ low: Double, _ high: Double) -> [Double] {
            (0..<count).map { _ in uniform(low, high) }
        }
        mutating func int(in range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.count))
        }
    }
}
