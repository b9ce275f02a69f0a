import CBackpropKernels

/// A seedable random number generator (xoshiro256**, seeded through SplitMix64) that gives
/// the same sequence on every platform for the same seed.
///
/// ```swift
/// var rng = SeededGenerator(seed: 42)
/// let w = Tensor<Double>.uniform([4, 5], using: &rng)   // the same on every machine
/// ```
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline internal var state: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator from a seed.
    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }

    /// A uniform `Double` in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A standard normal `Double` (Box–Muller).
    @inlinable
    public mutating func nextStandardNormal() -> Double {
        let u1 = 1 - nextUnitInterval()  // (0, 1]
        let u2 = nextUnitInterval()
        return (-2 * Double.log(u1)).squareRoot() * bp_cos(2 * .pi * u2)
    }

    /// A random permutation of `0..<n` (Fisher–Yates), reproducible for a seed.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) {
                let j = Int(next() % UInt64(i + 1))
                p.swapAt(i, j)
            }
        }
        return p
    }
}

extension Tensor {
    /// Uniform random values in [`lowerBound`, `upperBound`).
    @inlinable
    public static func uniform(
        _ shape: TensorShape, in range: Range<Scalar> = 0..<1, using generator: inout SeededGenerator
    ) -> Tensor {
        let width = Double(range.upperBound - range.lowerBound)
        let low = Double(range.lowerBound)
        return Tensor(
            shape: shape,
            scalars: (0..<Shapes.requireElementCount(shape, op: "random")).map { _ in
                Scalar(low + width * generator.nextUnitInterval())
            })
    }

    /// Normal random values N(`mean`, `standardDeviation`²).
    @inlinable
    public static func normal(
        _ shape: TensorShape, mean: Scalar = 0, standardDeviation: Scalar = 1,
        using generator: inout SeededGenerator
    ) -> Tensor {
        Tensor(
            shape: shape,
            scalars: (0..<Shapes.requireElementCount(shape, op: "random")).map { _ in
                mean + standardDeviation * Scalar(generator.nextStandardNormal())
            })
    }
}
