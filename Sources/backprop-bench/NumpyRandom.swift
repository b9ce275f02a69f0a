// numpy's legacy `RandomState` (MT19937) for the few calls the peer scripts make, so the
// bench draws the same shuffles, initial weights and batch orders as the peers and its
// results (loss, accuracy) can be compared with theirs number for number.
// Covered: RandomState(seed), random_sample(n), uniform(low, high, n), permutation(n).

struct NumpyRandomState {
    private var key = [UInt32](repeating: 0, count: 624)
    private var pos = 624

    /// `numpy.random.RandomState(seed)` (legacy seeding, seed < 2³²).
    init(seed: UInt32) {
        var s = seed
        for i in 0..<624 {
            key[i] = s
            s = 1_812_433_253 &* (s ^ (s >> 30)) &+ UInt32(i + 1)
        }
    }

    private mutating func generate() {
        let upper: UInt32 = 0x8000_0000
        let lower: UInt32 = 0x7fff_ffff
        for i in 0..<624 {
            let y = (key[i] & upper) | (key[(i + 1) % 624] & lower)
            key[i] = key[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : 0x9908_b0df)
        }
        pos = 0
    }

    mutating func nextUInt32() -> UInt32 {
        if pos == 624 { generate() }
        var y = key[pos]
        pos += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// `random_sample()`: 53-bit double in [0, 1).
    mutating func nextDouble() -> Double {
        let a = Double(nextUInt32() >> 5)
        let b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    mutating func randomSample(_ count: Int) -> [Double] { (0..<count).map { _ in nextDouble() } }

    mutating func uniform(_ low: Double, _ high: Double, _ count: Int) -> [Double] {
        (0..<count).map { _ in low + (high - low) * nextDouble() }
    }

    /// `random_interval(max)`: uniform in 0...max by masked rejection (max < 2³² here).
    private mutating func interval(_ max: UInt32) -> UInt32 {
        if max == 0 { return 0 }
        var mask = max
        mask |= mask >> 1
        mask |= mask >> 2
        mask |= mask >> 4
        mask |= mask >> 8
        mask |= mask >> 16
        while true {
            let value = nextUInt32() & mask
            if value <= max { return value }
        }
    }

    /// `permutation(n)`: arange(n) shuffled by the legacy Fisher–Yates.
    mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        var i = n - 1
        while i >= 1 {
            let j = Int(interval(UInt32(i)))
            p.swapAt(i, j)
            i -= 1
        }
        return p
    }
}
