// Workload 7: forward mode on a 4-layer MLP (64 → 256 → 256 → 256 → 10, tanh, batch 64,
// Double): the Jacobian–vector product with respect to the input, J·v, two ways.
//
// "transpose": Backprop's `jvp` and `Linearization` (the reverse sweep of a recorded
// reverse sweep). "tangent": true forward mode, written by hand for this network: each
// dense layer carries its tangent beside its value, ẏ = f′(u) ⊙ (ẋ·W), which is what a
// forward rule for the fused `dense` op would compute (the lower bound of a per-op forward
// mode). Per tangent: one more J·v on a linearisation kept from before (transpose: one
// sweep over the recorded backward; tangent: the tangent pass over saved layer outputs);
// and, for the choice between building a Jacobian by columns or by rows, one more Jᵀu on a
// kept pullback. The primal forward and a reverse-mode gradient are timed beside them for
// scale; all are interleaved so a change of the machine's load hits them alike.

import Backprop

enum ForwardModeWorkload {
    static let sizes = [64, 256, 256, 256, 10]
    static let batch = 64

    static func run(_ bench: Bench) {
        let names = ["primal", "gradient", "transpose.jvp", "tangent.jvp", "transpose.per_tangent", "tangent.per_tangent",
                     "reverse.per_cotangent"]
            .map { "forward.\($0)" }
        guard bench.wantsAny(names) else { return }
        var rng = SeededGenerator(seed: 0)
        let layers = zip(sizes, sizes.dropFirst()).map { fanIn, fanOut in
            (weight: Variable(Tensor<Double>.uniform([fanIn, fanOut], in: -0.1..<0.1, using: &rng)),
             bias: Variable(Tensor<Double>.uniform([fanOut], in: -0.1..<0.1, using: &rng)))
        }
        let activations = layers.indices.map { $0 == layers.count - 1 ? Activation.identity : .tanh }
        let x = Tensor<Double>.uniform([batch, sizes[0]], in: -1..<1, using: &rng)
        let v = Tensor<Double>.uniform([batch, sizes[0]], in: -1..<1, using: &rng)
        let u = Tensor<Double>.uniform([batch, sizes.last!], in: -1..<1, using: &rng)

        func mlp(_ input: Variable<Double>) -> Variable<Double> {
            zip(layers, activations).reduce(input) { h, layer in
                h.dense(weight: layer.0.weight, bias: layer.0.bias, activation: layer.1)
            }
        }
        /// The layer outputs (the input first) of a forward pass without a graph.
        func primal() -> [Tensor<Double>] {
            withoutGradients {
                var outputs = [x]
                for (layer, f) in zip(layers, activations) {
                    outputs.append(Variable(outputs.last!).dense(weight: layer.weight, bias: layer.bias, activation: f).value)
                }
                return outputs
            }
        }
        /// The tangent pass over saved layer outputs: ẏ = f′(u) ⊙ (ẋ·W), f′ from the output.
        func tangent(_ outputs: [Tensor<Double>], _ v: Tensor<Double>) -> Tensor<Double> {
            var dy = v
            for (k, (layer, f)) in zip(layers, activations).enumerated() {
                var next = dy.matmul(layer.weight.value)
                f.applyGradient(to: &next, fromOutput: outputs[k + 1])
                dy = next
            }
            return dy
        }
        /// True forward mode: value and tangent carried together, layer by layer.
        func tangentJVP() -> (Tensor<Double>, Tensor<Double>) {
            withoutGradients {
                var (y, dy) = (x, v)
                for (layer, f) in zip(layers, activations) {
                    y = Variable(y).dense(weight: layer.weight, bias: layer.bias, activation: f).value
                    var next = dy.matmul(layer.weight.value)
                    f.applyGradient(to: &next, fromOutput: y)
                    dy = next
                }
                return (y, dy)
            }
        }

        // Both ways must give the same J·v before either is timed.
        let reference = jvp(of: mlp, at: x, along: v).differential
        let byTangents = tangentJVP().1
        let error = zip(reference.scalars, byTangents.scalars).map { abs($0 - $1) }.max()!
        if error >= 1e-12 { fail("forward: the two forward modes differ by \(error)") }
        let linear = linearization(of: mlp, at: x)
        let saved = primal()
        let pullback = vjp(of: mlp, at: x).pullback

        var sink = 0.0
        let bodies: [() -> Void] = [
            { sink += primal().last!.scalars[0] },
            { sink += vjp(of: mlp, at: x).pullback(u).scalars[0] },
            { sink += jvp(of: mlp, at: x, along: v).differential.scalars[0] },
            { sink += tangentJVP().1.scalars[0] },
            { sink += linear.differential(along: v).scalars[0] },
            { sink += tangent(saved, v).scalars[0] },
            { sink += pullback(u).scalars[0] },
        ]
        let minTime = bench.quick ? 0.05 : 0.3
        let (samples, others) = bench.monitored {
            timeInterleaved(minTime: minTime, repeats: bench.repeats(full: 7, quick: 3), bodies)
        }
        let primalMedian = median(samples[0])
        for (name, times) in zip(names, samples) {
            bench.report(
                Figure(
                    name: name, unit: "ms", samples: times.map { $0 * 1e3 },
                    extra: [("over_primal", .number(median(times) / primalMedian)),
                            ("mlp", .string(sizes.map(String.init).joined(separator: "-"))),
                            ("batch", .int(batch))],
                    others: others))
        }
        if sink.isNaN { print("") }
    }
}
