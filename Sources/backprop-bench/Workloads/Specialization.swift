// Whether generic tensor code runs as fast from another module as a concrete loop here.
// Backprop's public generic API is @inlinable over @usableFromInline storage, so this
// module compiles its own Float-specialised copy; an unspecialised generic call from
// another module would be many times slower. Each pair times the same work on 2²⁰ Float
// elements: through `Tensor<Float>` (generic, specialised here) and as a plain loop over
// `[Float]` written in this module. "ratio" is generic / concrete (1 means no overhead).

import Backprop

enum SpecializationWorkload {
    static func run(_ bench: Bench) {
        let names = ["specialization.add", "specialization.map", "specialization.sum"]
        guard bench.wantsAny(names) else { return }
        let count = 1 << 20
        var rng = SeededGenerator(seed: 1)
        let a = Tensor<Float>.uniform([count], using: &rng)
        let b = Tensor<Float>.uniform([count], using: &rng)
        let (x, y) = (a.scalars, b.scalars)
        let minTime = bench.quick ? 0.05 : 0.3
        let repeats = bench.repeats(full: 7, quick: 3)
        var sink: Float = 0

        let pairs: [(String, generic: () -> Void, concrete: () -> Void)] = [
            (
                "specialization.add",
                { sink += (a + b).withUnsafeBufferPointer { $0[count / 2] } },
                {
                    let out = [Float](unsafeUninitializedCapacity: count) { o, initialized in
                        x.withUnsafeBufferPointer { p in
                            y.withUnsafeBufferPointer { q in
                                for i in 0..<count { o[i] = p[i] + q[i] }
                            }
                        }
                        initialized = count
                    }
                    sink += out[count / 2]
                }
            ),
            (
                "specialization.map",
                { sink += a.map { $0 * 2 + 1 }.withUnsafeBufferPointer { $0[count / 2] } },
                {
                    let out = [Float](unsafeUninitializedCapacity: count) { o, initialized in
                        x.withUnsafeBufferPointer { p in
                            for i in 0..<count { o[i] = p[i] * 2 + 1 }
                        }
                        initialized = count
                    }
                    sink += out[count / 2]
                }
            ),
            (
                "specialization.sum",
                { sink += a.sum().scalar },
                {
                    var total: Float = 0
                    x.withUnsafeBufferPointer { p in for i in 0..<count { total += p[i] } }
                    sink += total
                }
            ),
        ]
        for (name, generic, concrete) in pairs where bench.wants(name) {
            let times = timeInterleaved(minTime: minTime, repeats: repeats, [generic, concrete])
            let perElement = times.map { $0.map { $0 / Double(count) * 1e9 } }
            let ratio = median(times[0]) / median(times[1])
            bench.report(
                Figure(
                    name: name, unit: "ns/elem", samples: perElement[0],
                    extra: [
                        ("concrete_ns_per_elem", .number(median(perElement[1]))),
                        ("ratio", .number(ratio)),
                    ]))
        }
        if sink.isInfinite { fail("specialization: the sum of the results overflowed") }  // keeps the loop
    }
}
