// Workload 5: how the cost of a training step grows with the work. A stack of 3 fused dense
// layers w → w → w → w (relu, relu, identity), loss ½‖y − t‖², backward, SGD update, for
// input batch b × w. Matrix-product flop per step: forward 3·2bw², weight gradients 3·2bw²,
// input gradients of layers 2 and 3 2·2bw² (the input needs none): 16·b·w². Reported as
// ms per step and GFLOP/s (of those products; element-wise work is not counted).
//
// Sweeps: width 64…4096 at batch 256, batch 64…4096 at width 256 (Float); Double at widths
// ≥ 256 for the Float/Double ratio. --quick caps the sweeps at 1024 (Double at 512).

import Backprop

enum ScalingWorkload {
    static func run(_ bench: Bench) {
        let cap = bench.quick ? 1024 : 4096
        let doubleCap = bench.quick ? 512 : 2048
        let sizes = (6...12).map { 1 << $0 }.filter { $0 <= cap }
        func ratioName(_ w: Int) -> String { "scaling.f64_over_f32.b256.w\(w)" }
        func hasRatio(_ w: Int) -> Bool { w >= 256 && w <= doubleCap }
        var floatTimes: [Int: Double] = [:]
        for w in sizes {
            let needed = hasRatio(w) && bench.wants(ratioName(w))
            if let t = point(Float.self, batch: 256, width: w, bench: bench, needed: needed) {
                floatTimes[w] = t
            }
        }
        for b in sizes where b != 256 {
            _ = point(Float.self, batch: b, width: 256, bench: bench)
        }
        for w in sizes where hasRatio(w) {
            let needed = bench.wants(ratioName(w))
            guard let td = point(Double.self, batch: 256, width: w, bench: bench, needed: needed),
                let tf = floatTimes[w]
            else { continue }
            bench.report(
                Figure(
                    name: ratioName(w), unit: "x", samples: [td / tf], higherIsBetter: true,
                    extra: [("what", .string("Double step time / Float step time (medians)"))]))
        }
    }

    /// Times one point; returns the median seconds per step (nil when filtered out).
    static func point<Scalar: TensorScalar>(
        _: Scalar.Type, batch: Int, width: Int, bench: Bench, needed: Bool = false
    ) -> Double? {
        let type = Scalar.self == Float.self ? "f32" : "f64"
        let name = "scaling.\(type).b\(batch).w\(width)"
        guard needed || bench.wants(name) else { return nil }
        var rng = SeededGenerator(seed: UInt64(width))
        let k = 1 / Scalar(width).squareRoot()
        let layers = (0..<3).map { _ in
            (
                w: Variable(Tensor<Scalar>.uniform([width, width], in: -k..<k, using: &rng), requiresGradient: true),
                b: Variable(Tensor<Scalar>.uniform([width], in: -k..<k, using: &rng), requiresGradient: true)
            )
        }
        let params = layers.flatMap { [$0.w, $0.b] }
        let x = Variable(Tensor<Scalar>.uniform([batch, width], in: 0..<1, using: &rng))
        let t = Variable(Tensor<Scalar>.uniform([batch, width], in: 0..<1, using: &rng))
        let lr: Scalar = 1e-4
        let acts: [DenseActivation] = [.relu, .relu, .identity]
        func step() {
            var h = x
            for (layer, act) in zip(layers, acts) {
                h = h.dense(weight: layer.w, bias: layer.b, activation: act)
            }
            halfSquaredError(h, t).backward()
            for p in params {
                p.value.addScaled(p.gradient!, by: -lr)
                p.zeroGradient()
            }
        }
        let (samples, others) = monitored {
            timePerCall(minTime: bench.quick ? 0.05 : 0.2, repeats: bench.repeats(full: 5, quick: 3), step)
        }
        let flop = 16 * Double(batch) * Double(width) * Double(width)
        bench.report(
            Figure(
                name: name, unit: "ms", samples: samples.map { $0 * 1e3 },
                extra: [
                    ("batch", .int(batch)), ("width", .int(width)), ("layers", .int(3)),
                    ("gflops", .number(flop / median(samples) / 1e9)),
                    ("gflop_per_step", .number(flop / 1e9)),
                ], others: others))
        return median(samples)
    }
}
