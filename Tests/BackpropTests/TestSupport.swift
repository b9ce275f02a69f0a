import Backprop

/// A reproducible random tensor in `range`.
func randomTensor(_ shape: TensorShape, in range: Range<Double> = -2..<2, seed: UInt64 = 1) -> Tensor<Double> {
    var rng = SeededGenerator(seed: seed)
    return Tensor.uniform(shape, in: range, using: &rng)
}

/// Whether every element is finite (false for a missing gradient).
func allFinite(_ t: Tensor<Double>?) -> Bool { t?.scalars.allSatisfy(\.isFinite) ?? false }
