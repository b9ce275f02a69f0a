// Workload 5: how the cost of a training step grows with the work. A stack of 3 fused dense
// layers w → w → w → w (relu, relu, identity), loss ½‖y − t‖², backward, SGD update, for
// input batch b × w. Matrix-product flop per step: forward 3·2bw², weight gradients 3·2bw²,
// input gradients of layers 2 and 3 2·2bw² (the input needs none): 16·b·w². Reported as
// ms per step and GFLOP/s (of those products; element-wise work is not counted).
//
// Sweeps: width 64…4096 at batch 256, batch 64…4096 at width 256 (Float). Float vs Double
// at batch 256 and widths ≥ 256: the two are timed interleaved (alternating batches) so a
// change of the shared machine's load hits both alike; the ratio figure's samples are the
// per-round ratios. --quick caps the sweeps at 1024 (the Double comparison at 512).

import Backprop

enum ScalingWorkload {
    static func run(_ bench: Bench) {
        let cap = bench.quick ? 1024 : 4096
        let doubleCap = bench.quick ? 512 : 2048
        let sizes = (6...12).map { 1 << $0 }.filter { $0 <= cap }
        let minTime = bench.quick ? 0.05 : 0.2
        let repeats = bench.repeats(full: 5, quick: 3)
        for w in sizes {
            let f32 = name("f32", batch: 256, width: w)
            let f64 = name("f64", batch: 256, width: w)
            let ratio = "scaling.f64_over_f32.b256.w\(w)"
            let compare = w >= 256 && w <= doubleCap && bench.wantsAny([f64, ratio])
            if !compare {
                guard bench.wants(f32) else { continue }
                let step = makeStep(Float.self, batch: 256, width: w)
                let (samples, others) = bench.monitored {
                    timePerCall(minTime: minTime, repeats: repeats, step)
                }
                report(bench, f32, samples, batch: 256, width: w, others: others)
                continue
            }
            let steps = [makeStep(Float.self, batch: 256, width: w), makeStep(Double.self, batch: 256, width: w)]
            let (samples, others) = bench.monitored {
                timeInterleaved(minTime: minTime, repeats: repeats, steps)
            }
            report(bench, f32, samples[0], batch: 256, width: w, others: others)
            report(bench, f64, samples[1], batch: 256, width: w, others: others)
            bench.report(
                Figure(
                    name: ratio, unit: "x", samples: zip(samples[1], samples[0]).map { $0 / $1 },
                    higherIsBetter: true,
                    extra: [("what", .string("Double step time / Float step time, interleaved rounds"))],
                    others: others))
        }
        for b in sizes where b != 256 {
            let f32 = name("f32", batch: b, width: 256)
            guard bench.wants(f32) else { continue }
            let step = makeStep(Float.self, batch: b, width: 256)
            let (samples, others) = bench.monitored {
                timePerCall(minTime: minTime, repeats: repeats, step)
            }
            report(bench, f32, samples, batch: b, width: 256, others: others)
        }
    }

    static func name(_ type: String, batch: Int, width: Int) -> String {
        "scaling.\(type).b\(batch).w\(width)"
    }

    static func report(
        _ bench: Bench, _ name: String, _ samples: [Double], batch: Int, width: Int, others: Double?
    ) {
        let flop = 16 * Double(batch) * Double(width) * Double(width)
        bench.report(
            Figure(
                name: name, unit: "ms", samples: samples.map { $0 * 1e3 },
                extra: [
                    ("batch", .int(batch)), ("width", .int(width)), ("layers", .int(3)),
                    ("gflops", .number(flop / median(samples) / 1e9)),
                    ("gflop_per_step", .number(flop / 1e9)),
                ], others: others))
    }

    /// One training step of the stack (forward, backward, SGD update) for batch × width.
    static func makeStep<Scalar: TensorScalar>(
        _: Scalar.Type, batch: Int, width: Int
    ) -> () -> Void {
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
        let acts: [Activation] = [.relu, .relu, .identity]
        return {
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
    }
}
