// Workload "conv" of bench_conv_rnn.py: one conv2d 3×3, stride 1, padding 1, no bias,
// NCHW / OIHW, Float: the forward pass, then the input and the weight gradient for a fixed
// output gradient gy (y = x.conv2d(weight: w); y.backward(seed: gy), as the peer's
// y = conv2d(x, W); y.backward(gy)). Shapes x [64, 16, 28, 28] → 32 channels and
// x [8, 3, 32, 32] → 16. GFLOP/s = 3 passes × 2·N·Cout·H·W·Cin·9 / time, as the peer counts.
// Threads: the kernels split the batch over the cores this process may run on (run under
// `taskset -c 0` for one thread); the figure names carry the count (".t1", ".t2").

import Backprop
import CBackpropKernels

enum ConvolutionWorkload {
    static let shapes = [("conv64", 64, 16, 32, 28, 28), ("conv8", 8, 3, 16, 32, 32)]  // name, N, Cin, Cout, H, W

    static func run(_ bench: Bench) {
        let threads = Int(bp_cpu_count())
        for (label, n, cin, cout, h, w) in shapes {
            let name = "conv.\(label).t\(threads)"
            guard bench.wants(name) else { continue }
            // RandomState(seed + 5) with seed 0 draws x ~ N(0, 1), W ~ U(±1/√(Cin·9)), gy ~ N(0, 1);
            // the values do not change the time, so any seeded draw of the same shapes serves.
            var rng = SeededGenerator(seed: 5)
            let x = Variable(Tensor<Float>.normal([n, cin, h, w], using: &rng), requiresGradient: true)
            let k = 1 / Float(cin * 9).squareRoot()
            let weight = Variable(Tensor<Float>.uniform([cout, cin, 3, 3], in: -k..<k, using: &rng), requiresGradient: true)
            let gy = Tensor<Float>.normal([n, cout, h, w], using: &rng)
            let flop = 3 * 2 * Double(n * cout * h * w * cin * 9)
            let (samples, others) = bench.monitored {
                timePerCall(minTime: bench.quick ? 0.1 : 0.5, repeats: bench.repeats(full: 7, quick: 3)) {
                    x.zeroGradient()
                    weight.zeroGradient()
                    x.conv2d(weight: weight, padding: 1).backward(seed: gy)
                }
            }
            bench.report(
                Figure(
                    name: name, unit: "GFLOP/s", samples: samples.map { flop / $0 / 1e9 }, higherIsBetter: true,
                    extra: [
                        ("shape", .string("[\(n), \(cin), \(h), \(w)] -> \(cout)")), ("threads", .int(threads)),
                        ("ms_per_call", .number(median(samples) * 1e3)),
                    ], others: others))
        }
    }
}
