// Workload 1: matrix products (bench_matmul.py): C = A·B, square n×n, 2n³ flop, Float and
// Double; one thread through the kernel entry point `Scalar.gemm(threads: 1)` into a
// preallocated C (as numpy's `matmul(a, b, out=c)`), all cores through `Tensor.matmul`
// (allocates its result, as a user's call does). Also the two backward shapes at 512:
// Aᵀ·B (weight gradient) and A·Bᵀ (input gradient), transposes passed as flags.

import Backprop

enum MatmulWorkload {
    static let sizes = [64, 128, 256, 512, 1024]

    static func run(_ bench: Bench) {
        for n in sizes {
            square(Float.self, n: n, bench: bench)
            square(Double.self, n: n, bench: bench)
        }
        for (ta, tb) in [(true, false), (false, true)] {
            backwardShape(Float.self, n: 512, transposeA: ta, transposeB: tb, bench: bench)
            backwardShape(Double.self, n: 512, transposeA: ta, transposeB: tb, bench: bench)
        }
    }

    static func typeName<Scalar: TensorScalar>(_: Scalar.Type) -> String {
        Scalar.self == Float.self ? "f32" : "f64"
    }

    static func timing(_ bench: Bench) -> (minTime: Double, repeats: Int) {
        (bench.quick ? 0.05 : 0.2, bench.repeats(full: 7, quick: 3))
    }

    static func square<Scalar: TensorScalar>(_: Scalar.Type, n: Int, bench: Bench) {
        product(
            Scalar.self, n: n, transposeA: false, transposeB: false,
            name: "matmul.\(typeName(Scalar.self)).\(n)", seed: UInt64(n), bench: bench)
    }

    static func backwardShape<Scalar: TensorScalar>(
        _: Scalar.Type, n: Int, transposeA: Bool, transposeB: Bool, bench: Bench
    ) {
        let shape = transposeA ? "AtB" : "ABt"
        product(
            Scalar.self, n: n, transposeA: transposeA, transposeB: transposeB,
            name: "matmul.\(typeName(Scalar.self)).\(n).\(shape)", seed: 7, bench: bench)
    }

    /// Times op(A)·op(B) of n×n normal matrices (seeded with `seed`) as `name`.t1 (the
    /// kernel, one thread, into a preallocated C) and `name`.all (`Tensor.matmul`).
    static func product<Scalar: TensorScalar>(
        _: Scalar.Type, n: Int, transposeA: Bool, transposeB: Bool, name: String, seed: UInt64,
        bench: Bench
    ) {
        guard bench.wantsAny(["\(name).t1", "\(name).all"]) else { return }
        var rng = SeededGenerator(seed: seed)
        let a = Tensor<Scalar>.normal([n, n], using: &rng)
        let b = Tensor<Scalar>.normal([n, n], using: &rng)
        let flop = 2 * Double(n) * Double(n) * Double(n)
        let (minTime, repeats) = timing(bench)
        if bench.wants("\(name).t1") {
            var c = Tensor<Scalar>.zeros([n, n])
            let (samples, others) = bench.monitored {
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            timePerCall(minTime: minTime, repeats: repeats) {
                                Scalar.gemm(
                                    transposeA: transposeA, transposeB: transposeB, m: n, n: n,
                                    k: n, alpha: 1, a: pa.baseAddress!, lda: n,
                                    b: pb.baseAddress!, ldb: n, beta: 0, c: pc.baseAddress!,
                                    ldc: n, threads: 1)
                            }
                        }
                    }
                }
            }
            report(bench, "\(name).t1", samples, flop: flop, threads: 1, others: others, n: n)
        }
        if bench.wants("\(name).all") {
            var sink: Scalar = 0
            let (samples, others) = bench.monitored {
                timePerCall(minTime: minTime, repeats: repeats) {
                    sink += a.matmul(b, transposingSelf: transposeA, transposingOther: transposeB)
                        .withUnsafeBufferPointer { $0[0] }
                }
            }
            report(bench, "\(name).all", samples, flop: flop, threads: 0, others: others, n: n)
            if sink == .infinity { print("") }
        }
    }

    static func report(
        _ bench: Bench, _ name: String, _ seconds: [Double], flop: Double, threads: Int,
        others: Double?, n: Int
    ) {
        bench.report(
            Figure(
                name: name, unit: "GFLOP/s", samples: seconds.map { flop / $0 / 1e9 },
                higherIsBetter: true,
                extra: [
                    ("n", .int(n)), ("threads", .string(threads == 0 ? "all" : String(threads))),
                    ("seconds_median", .number(median(seconds))),
                ], others: others))
    }
}
